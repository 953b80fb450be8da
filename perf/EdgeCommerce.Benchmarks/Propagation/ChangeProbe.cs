using System.Collections.Concurrent;
using System.Diagnostics;
using EdgeCommerce.Contracts.Sync;
using Grpc.Core;
using Grpc.Net.Client;

namespace EdgeCommerce.Benchmarks.Propagation;

/// <summary>
/// A bare subscriber on the origin's sync port (protocol 1 <c>Watch</c>, which runs the same
/// session code as protocol 2): timestamps each change batch as it arrives, with no replica, no
/// apply and no HTTP on top. Set against the edges' figures it splits the time into "origin to the
/// wire" and "edge apply and answer". It is one more stream for the origin to serve, so it is off
/// unless asked for (<c>--probe</c>).
/// </summary>
internal sealed class ChangeProbe : IAsyncDisposable
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<long>> _arrivals = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly GrpcChannel _channel;
    private readonly Task _loop;

    private ChangeProbe(Uri originGrpc, long fromRevision)
    {
        // One channel for the probe's lifetime (a benchmark tool, not a service: no client factory).
        _channel = GrpcChannel.ForAddress(originGrpc, new GrpcChannelOptions { MaxReceiveMessageSize = 256 * 1024 * 1024 });
        _loop = Task.Run(() => ReadAsync(fromRevision));
    }

    public static ChangeProbe Start(Uri originGrpc, long fromRevision) => new(originGrpc, fromRevision);

    /// <summary>The Stopwatch timestamp at which the batch reaching <paramref name="revision"/> arrived.</summary>
    public Task<long> ArrivalAsync(long revision) => Slot(revision).Task;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _loop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException)
        {
        }

        _channel.Dispose();
        _stop.Dispose();
    }

    private TaskCompletionSource<long> Slot(long revision)
        => _arrivals.GetOrAdd(revision, static _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously));

    private async Task ReadAsync(long fromRevision)
    {
        var client = new CatalogSync.CatalogSyncClient(_channel);
        using var call = client.Watch(new WatchRequest { EdgeId = "bench-probe", Region = "bench", FromRevision = fromRevision, ProtocolVersion = 1 }, cancellationToken: _stop.Token);
        while (await call.ResponseStream.MoveNext(_stop.Token))
        {
            var arrived = Stopwatch.GetTimestamp();
            if (call.ResponseStream.Current is { KindCase: WatchResponse.KindOneofCase.Changes } response)
            {
                foreach (var change in response.Changes.Changes)
                {
                    Slot(change.Revision).TrySetResult(arrived);
                }
            }
        }
    }
}
