using EdgeCommerce.Benchmarks.Infrastructure;
using EdgeCommerce.Tests.Common;
using Grpc.Core;

namespace EdgeCommerce.Benchmarks.Fanout;

/// <summary>
/// R real edge processes configured as relays (<c>Relay:Enabled=true</c> and an HTTP/2
/// <c>Kestrel:Endpoints:Relay</c> listener; see docs/architecture.md, "Relays"), each following the
/// origin (or the latency proxy in front of it) and serving <c>CatalogSync.Sync</c> to the simulated
/// edges of its region. Started through <see cref="EdgeHost"/>, so a relay is the edge build users run.
/// </summary>
internal static class RelayTier
{
    /// <summary>The settings a relay gets when no <c>--relay-setting</c> is given; <c>{port}</c> is its relay listener's port, <c>{max-streams}</c> the HTTP/2 stream limit.</summary>
    public static IReadOnlyList<string> DefaultSettings { get; } =
    [
        "Relay:Enabled=true",
        "Kestrel:Endpoints:Relay:Url=http://127.0.0.1:{port}",
        "Kestrel:Endpoints:Relay:Protocols=Http2",
        "Kestrel:Limits:Http2:MaxStreamsPerConnection={max-streams}",
    ];

    /// <summary>Starts the relays two at a time and waits until each is ready and holds <paramref name="head"/>.</summary>
    /// <param name="upstreams">Per relay: the sync address it follows (the origin, or a latency proxy in front of it).</param>
    public static async Task<List<(EdgeHost Host, Uri Sync)>> StartAsync(
        OriginHost origin, TempDirectory data, IReadOnlyList<Uri> upstreams, FanoutOptions options, long head, CancellationToken cancellationToken)
    {
        var relays = new List<(EdgeHost Host, Uri Sync)>();
        try
        {
            for (var r = 0; r < upstreams.Count; r++)
            {
                var port = FreePort.Next();
                var settings = (options.RelaySettings.Count > 0 ? options.RelaySettings : DefaultSettings)
                    .Select(s => s.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
                        .Replace("{max-streams}", options.MaxStreamsPerConnection.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal))
                    // Later settings win: the relay follows its upstream, which is the proxy in WAN mode.
                    .Append($"Sync:OriginAddress={upstreams[r]}")
                    .Concat(options.EdgeSettings)
                    .ToList();
                relays.Add((new EdgeHost($"relay-{r:D2}", origin, data.Combine($"relay-{r:D2}"), settings, options.EdgeAssembly), new Uri($"http://127.0.0.1:{port}")));
            }

            foreach (var pair in relays.Chunk(2))
            {
                foreach (var (host, _) in pair)
                {
                    await host.StartAsync();
                }

                foreach (var (host, _) in pair)
                {
                    await host.WaitUntilReadyAsync(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(120), cancellationToken);
                }
            }

            foreach (var (host, _) in relays)
            {
                await host.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= head, TimeSpan.FromSeconds(60), "holding the seed", cancellationToken);
            }

            return relays;
        }
        catch
        {
            foreach (var (host, _) in relays)
            {
                await host.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// Opens one stream to the relay's listener as a simulated edge would; throws
    /// <see cref="InvalidOperationException"/> with what is missing when the edge build does not
    /// serve <c>Sync</c> there (an edge without relays ignores <c>Relay:Enabled</c>: its listener
    /// answers UNIMPLEMENTED, or nothing listens at all).
    /// </summary>
    public static async Task EnsureServesSyncAsync(EdgeHost relay, Uri sync, SimulatedEdge probe, IReadOnlyList<string> settings, CancellationToken cancellationToken)
    {
        var failure = await SimulatedEdges.ProbeAsync(sync, probe, TimeSpan.FromSeconds(20), cancellationToken);
        if (failure is null)
        {
            return;
        }

        var hint = failure.StatusCode is StatusCode.Unimplemented or StatusCode.Unavailable or StatusCode.Internal
            ? "This edge build does not serve CatalogSync.Sync to downstream edges: relay mode needs an edge build that serves relays (`Relay:Enabled`) and accepts "
            : "The relay refused a simulated edge's stream. Relay settings given: ";
        throw new InvalidOperationException(
            $"Relay {relay.Id} at {sync}: {failure.StatusCode}: {failure.Status.Detail}. {hint}{string.Join(' ', settings)}. "
            + $"Use --relay-setting K=V (repeatable; {{port}} is the relay listener's port) if its keys differ.\n{relay.Describe()}");
    }
}
