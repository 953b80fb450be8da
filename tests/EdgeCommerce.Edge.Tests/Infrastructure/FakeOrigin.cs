using System.Threading.Channels;
using EdgeCommerce.Contracts.Sync;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace EdgeCommerce.Edge.Tests.Infrastructure;

/// <summary>
/// A scripted origin: a <see cref="CatalogSync.CatalogSyncBase"/> on TestServer (OC
/// test/TestUtils.cs, <c>new HostBuilder()…UseTestServer()</c>). Each <c>Sync</c> stream is handed
/// to the test as an <see cref="OriginStream"/> once its hello arrived; the test decides every
/// message the edge receives and reads every message the edge sends; like the origin, it ends a
/// stream whose edge closed its side. Streams to a host for which
/// <see cref="Refuse"/> answers a status fail at once with it, delivering nothing.
/// </summary>
internal sealed class FakeOrigin : IAsyncDisposable
{
    private readonly Channel<OriginStream> _streams = Channel.CreateUnbounded<OriginStream>();
    private readonly System.Collections.Concurrent.ConcurrentQueue<OriginStream> _opened = new();
    private IHost? _host;

    /// <summary>Given the request's host (for example <c>origin-a</c>), a status to fail the stream with, or null to serve it.</summary>
    public Func<string, StatusCode?> Refuse { get; set; } = static _ => null;

    public static async Task<FakeOrigin> StartAsync(CancellationToken cancellationToken)
    {
        var origin = new FakeOrigin();
        origin._host = new HostBuilder()
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(services =>
                {
                    services.AddGrpc();
                    services.AddSingleton(origin);
                })
                .Configure(static app =>
                {
                    app.UseRouting();
                    app.UseEndpoints(static endpoints => endpoints.MapGrpcService<Service>());
                }))
            .Build();
        await origin._host.StartAsync(cancellationToken);
        return origin;
    }

    /// <summary>A handler into this origin, whatever the request URI's host.</summary>
    public HttpMessageHandler CreateHandler() => _host!.GetTestServer().CreateHandler();

    /// <summary>The next stream an edge opened (after its hello).</summary>
    public ValueTask<OriginStream> NextStreamAsync(CancellationToken cancellationToken) => _streams.Reader.ReadAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var stream in _opened)
        {
            // A stream the edge half-closed but never reset would otherwise keep its handler running.
            stream.End();
        }

        if (_host is not null)
        {
            await _host.StopAsync(CancellationToken.None);
            _host.Dispose();
        }
    }

    private sealed class Service(FakeOrigin origin) : CatalogSync.CatalogSyncBase
    {
        public override async Task Sync(IAsyncStreamReader<EdgeMessage> requestStream, IServerStreamWriter<WatchResponse> responseStream, ServerCallContext context)
        {
            var host = context.GetHttpContext().Request.Host.Host;
            if (origin.Refuse(host) is { } refusal)
            {
                throw new RpcException(new Status(refusal, "Refused by the test."));
            }

            if (!await requestStream.MoveNext(context.CancellationToken) || requestStream.Current.KindCase != EdgeMessage.KindOneofCase.Hello)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "The first message must be hello."));
            }

            var stream = new OriginStream(requestStream.Current.Hello, host, responseStream);
            origin._opened.Enqueue(stream);
            origin._streams.Writer.TryWrite(stream);
            using var hangUp = context.CancellationToken.Register(static s => ((OriginStream)s!).OnEdgeHungUp(), stream);
            var pump = stream.PumpAsync(requestStream);
            try
            {
                await stream.WaitForEndAsync(context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The edge hung up.
            }

            await stream.StopReadingAsync();
            await pump;
        }
    }
}

/// <summary>One edge stream as the fake origin sees it.</summary>
internal sealed class OriginStream(WatchRequest hello, string host, IServerStreamWriter<WatchResponse> responses)
{
    private readonly Channel<EdgeMessage> _received = Channel.CreateUnbounded<EdgeMessage>();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _hungUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopReading = new();

    public WatchRequest Hello { get; } = hello;

    /// <summary>The host the edge dialled (for example <c>origin-b</c>).</summary>
    public string Host { get; } = host;

    /// <summary>Completes when the edge cancels the stream (it refused something, or it is stopping).</summary>
    public Task HungUp => _hungUp.Task;

    public Task SendAsync(WatchResponse message, CancellationToken cancellationToken) => responses.WriteAsync(message, cancellationToken);

    public Task SendAsync(Heartbeat heartbeat, CancellationToken cancellationToken) => SendAsync(new WatchResponse { Heartbeat = heartbeat }, cancellationToken);

    public Task SendAsync(ChangeBatch batch, CancellationToken cancellationToken) => SendAsync(new WatchResponse { Changes = batch }, cancellationToken);

    /// <summary>Sends <paramref name="snapshot"/> as protocol 2 does: begin, one chunk per group of <paramref name="perChunk"/> creators, end.</summary>
    public async Task SendChunkedAsync(Snapshot snapshot, int perChunk, CancellationToken cancellationToken)
    {
        await SendAsync(new WatchResponse { SnapshotBegin = new SnapshotBegin { Revision = snapshot.Revision, Creators = snapshot.Creators.Count } }, cancellationToken);
        foreach (var group in snapshot.Creators.Chunk(perChunk))
        {
            await SendAsync(new WatchResponse { SnapshotChunk = new SnapshotChunk { Creators = { group } } }, cancellationToken);
        }

        await SendAsync(new WatchResponse { SnapshotEnd = new SnapshotEnd { Revision = snapshot.Revision, Creators = snapshot.Creators.Count } }, cancellationToken);
    }

    /// <summary>The next message the edge sent after its hello; fails when the edge closed the stream instead.</summary>
    public async Task<EdgeMessage> NextAsync(CancellationToken cancellationToken)
    {
        Assert.True(await _received.Reader.WaitToReadAsync(cancellationToken), "The edge closed the stream.");
        return await _received.Reader.ReadAsync(cancellationToken);
    }

    /// <summary>The next message, which must be an acknowledgement.</summary>
    public async Task<Ack> NextAckAsync(CancellationToken cancellationToken)
    {
        var message = await NextAsync(cancellationToken);
        Assert.Equal(EdgeMessage.KindOneofCase.Ack, message.KindCase);
        return message.Ack;
    }

    /// <summary>Everything the edge sent and was not read yet, once the edge has closed the stream.</summary>
    public async Task<IReadOnlyList<EdgeMessage>> RemainingAsync(CancellationToken cancellationToken)
    {
        var remaining = new List<EdgeMessage>();
        await foreach (var message in _received.Reader.ReadAllAsync(cancellationToken))
        {
            remaining.Add(message);
        }

        return remaining;
    }

    /// <summary>Ends the stream from the origin's side (status OK).</summary>
    public void End() => _ended.TrySetResult();

    internal Task WaitForEndAsync(CancellationToken cancellationToken) => _ended.Task.WaitAsync(cancellationToken);

    internal void OnEdgeHungUp() => _hungUp.TrySetResult();

    internal Task StopReadingAsync() => _stopReading.CancelAsync();

    /// <summary>
    /// Reads what the edge sends until it half-closes, hangs up or the stream ends. Not on the
    /// call's token: what the edge wrote before hanging up is still read when the server has it.
    /// </summary>
    internal async Task PumpAsync(IAsyncStreamReader<EdgeMessage> requests)
    {
        try
        {
            while (await requests.MoveNext(_stopReading.Token))
            {
                _received.Writer.TryWrite(requests.Current);
            }

            // The edge closed its side: end the stream, as the origin does.
            End();
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or RpcException or InvalidOperationException)
        {
        }
        finally
        {
            _received.Writer.TryComplete();
        }
    }
}
