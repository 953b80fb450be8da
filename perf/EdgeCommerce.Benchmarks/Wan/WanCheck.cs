using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EdgeCommerce.Benchmarks.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace EdgeCommerce.Benchmarks.Wan;

/// <summary>
/// <c>wan-check</c>: the self-check of <see cref="LatencyProxy"/> (perf has no test project). Over
/// real loopback sockets: (1) bytes arrive whole and in order both ways under heavy jitter; (2) a
/// round trip takes the two one-way delays; (3) HTTP/2 (h2c, many concurrent streams on one
/// connection, to an in-process Kestrel) works through it unchanged. Exit code 1 when a check fails.
/// Timing bounds are loose (the machine is shared): the check is that the delay is there, and not
/// multiplied.
/// </summary>
internal static class WanCheck
{
    public static async Task<int> RunAsync(BenchArguments args, CancellationToken cancellationToken)
    {
        var megabytes = args.Int("megabytes", 16, min: 1);
        args.EnsureAllRead();
        var failures = 0;
        failures += await CheckAsync("order and integrity", () => OrderAndIntegrityAsync(megabytes, cancellationToken));
        failures += await CheckAsync("delay per direction", () => DelayAsync(cancellationToken));
        failures += await CheckAsync("HTTP/2 through the proxy", () => Http2Async(cancellationToken));
        Console.WriteLine(failures == 0 ? "wan-check: all checks passed" : $"wan-check: {failures} check(s) FAILED");
        return failures == 0 ? 0 : 1;
    }

    private static async Task<int> CheckAsync(string name, Func<Task<string>> check)
    {
        try
        {
            Console.WriteLine($"ok    {name}: {await check()}");
            return 0;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or SocketException or HttpRequestException or TimeoutException)
        {
            Console.WriteLine($"FAIL  {name}: {ex.Message}");
            return 1;
        }
    }

    /// <summary>
    /// An echo server behind a proxy with 3 ms ± 3 each way (almost every segment drawn a different
    /// delay): what comes back must be exactly what was sent, byte for byte, in order.
    /// Would catch a proxy that sent each segment at its own due time (reordering under jitter), or
    /// lost a partial send.
    /// </summary>
    private static async Task<string> OrderAndIntegrityAsync(int megabytes, CancellationToken cancellationToken)
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var serving = EchoAsync(echo, cancellationToken);
        await using var proxy = new LatencyProxy("check", new Uri($"http://127.0.0.1:{((IPEndPoint)echo.LocalEndpoint).Port}"), WanLink.Parse("3:3"), seed: 7);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, proxy.Address.Port), cancellationToken);
        var payload = new byte[megabytes * 1024 * 1024];
        new Random(42).NextBytes(payload);
        var sending = Task.Run(async () =>
        {
            // Writes of varied sizes, so segments of every size meet every delay draw.
            var random = new Random(1);
            for (var offset = 0; offset < payload.Length;)
            {
                var size = Math.Min(payload.Length - offset, random.Next(1, 48 * 1024));
                offset += await client.SendAsync(payload.AsMemory(offset, size), SocketFlags.None, cancellationToken);
            }

            client.Shutdown(SocketShutdown.Send);
        }, cancellationToken);
        var received = new byte[payload.Length];
        var total = 0;
        while (true)
        {
            var read = await client.ReceiveAsync(received.AsMemory(total), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
            if (total == received.Length)
            {
                // One more read: the echo's FIN must follow the last byte.
                var extra = await client.ReceiveAsync(new byte[1], SocketFlags.None, cancellationToken);
                if (extra != 0)
                {
                    throw new InvalidOperationException("More bytes came back than were sent.");
                }

                break;
            }
        }

        await sending;
        await serving;
        if (total != payload.Length)
        {
            throw new InvalidOperationException($"{total} of {payload.Length} bytes came back.");
        }

        var firstDifference = received.AsSpan().CommonPrefixLength(payload);
        if (firstDifference != payload.Length)
        {
            throw new InvalidOperationException($"The bytes differ from offset {firstDifference}: reordered or corrupted.");
        }

        var (up, down) = proxy.Bytes;
        return $"{megabytes} MiB echoed through 3 ms ± 3 each way, identical (SHA-256 {Convert.ToHexString(SHA256.HashData(received))[..12]}…); proxy forwarded {up} bytes up, {down} down";
    }

    private static async Task EchoAsync(TcpListener listener, CancellationToken cancellationToken)
        => await EchoSocketAsync(await listener.AcceptSocketAsync(cancellationToken), cancellationToken);

    private static async Task EchoSocketAsync(Socket accepted, CancellationToken cancellationToken)
    {
        using var socket = accepted;
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    socket.Shutdown(SocketShutdown.Send);
                    return;
                }

                for (var sent = 0; sent < read;)
                {
                    sent += await socket.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, cancellationToken);
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            // The proxy in front was disposed (a reset), or the check is over: the client side
            // decides whether the check passed.
        }
    }

    /// <summary>
    /// One-byte ping-pongs through 20 ms up and 30 ms down, then through two such proxies in a
    /// chain: the median round trip must be about 50 ms, then 100 ms (the delays add per link, as
    /// tiers do), not less, and not some multiple of it.
    /// </summary>
    private static async Task<string> DelayAsync(CancellationToken cancellationToken)
    {
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var serving = Task.Run(async () =>
        {
            // One echo per connection: the direct ping goes through one proxy, the chained one through both.
            var echoes = new List<Task>();
            try
            {
                while (true)
                {
                    var accepted = await echo.AcceptSocketAsync(stop.Token);
                    echoes.Add(EchoSocketAsync(accepted, stop.Token));
                }
            }
            catch (OperationCanceledException)
            {
            }

            await Task.WhenAll(echoes);
        }, CancellationToken.None);
        var target = new Uri($"http://127.0.0.1:{((IPEndPoint)echo.LocalEndpoint).Port}");
        double one;
        double two;
        await using (var inner = new LatencyProxy("inner", target, WanLink.Parse("30/20")))
        await using (var outer = new LatencyProxy("outer", inner.Address, WanLink.Parse("30/20")))
        {
            one = await PingAsync(inner.Address, cancellationToken);
            two = await PingAsync(outer.Address, cancellationToken);
        }

        await stop.CancelAsync();
        await serving;
        Expect("one link", one, 50);
        Expect("two links", two, 100);
        return string.Create(CultureInfo.InvariantCulture, $"round trip median {one:0.0} ms through one link of 20 ms up + 30 ms down (expected 50), {two:0.0} ms through two (expected 100)");

        static void Expect(string what, double measured, double expected)
        {
            // The floor is exact (a proxy never sends early); the ceiling leaves room for a loaded machine.
            if (measured < expected - 1 || measured > (expected * 1.5) + 10)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"{what}: round trip median {measured:0.0} ms, expected about {expected} ms"));
            }
        }
    }

    private static async Task<double> PingAsync(Uri proxy, CancellationToken cancellationToken)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, proxy.Port), cancellationToken);
        var one = new byte[1];
        var times = new List<double>();
        for (var i = 0; i < 15; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await client.SendAsync(one, SocketFlags.None, cancellationToken);
            if (await client.ReceiveAsync(one, SocketFlags.None, cancellationToken) != 1)
            {
                throw new IOException("The echo closed early.");
            }

            times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        client.Shutdown(SocketShutdown.Send);
        return LatencySummary.From(times).P50;
    }

    /// <summary>
    /// 64 concurrent HTTP/2 requests (prior knowledge, one connection) to an in-process Kestrel
    /// through 5 ms ± 5 each way, each answered with 32 flushed chunks: every body must arrive whole.
    /// Would catch a proxy that broke HTTP/2 framing (a reordered or dropped frame is a protocol
    /// error that fails the connection).
    /// </summary>
    private static async Task<string> Http2Async(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        await using var app = builder.Build();
        app.MapGet("/chunks/{id:int}", static async (int id, HttpContext context) =>
        {
            for (var i = 0; i < 32; i++)
            {
                await context.Response.WriteAsync(string.Create(CultureInfo.InvariantCulture, $"{id}:{i};"), context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        });
        await app.StartAsync(cancellationToken);
        try
        {
            var address = new Uri(app.Urls.First());
            await using var proxy = new LatencyProxy("h2", new Uri($"http://127.0.0.1:{address.Port}"), WanLink.Parse("5:5"), seed: 3);
            using var client = new HttpClient(new SocketsHttpHandler()) { BaseAddress = proxy.Address, DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact, Timeout = TimeSpan.FromSeconds(60) };
            var bodies = await Task.WhenAll(Enumerable.Range(0, 64).Select(id => client.GetStringAsync(new Uri($"/chunks/{id}", UriKind.Relative), cancellationToken)));
            for (var id = 0; id < bodies.Length; id++)
            {
                var expected = string.Concat(Enumerable.Range(0, 32).Select(i => string.Create(CultureInfo.InvariantCulture, $"{id}:{i};")));
                if (bodies[id] != expected)
                {
                    throw new InvalidOperationException($"Request {id} got '{bodies[id]}'.");
                }
            }

            return $"64 concurrent streams × 32 flushed chunks over {proxy.Connections} connection(s) through 5 ms ± 5 each way, all bodies whole";
        }
        finally
        {
            await app.StopAsync(cancellationToken);
        }
    }
}
