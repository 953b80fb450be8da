using System.Diagnostics.Metrics;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.ServiceDefaults.Observability;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Edges;

/// <summary>
/// The origin's view of its edges, as observable instruments read from this process's registry
/// at each collection (tags from closed sets only; per-edge detail is on the dashboard and
/// <c>/admin/v1/edges</c>, never in labels):
/// <list type="bullet">
/// <item><c>edgecommerce.sync.edges</c> ({edge}), tag <c>state</c>: <c>connected</c>, <c>disconnected</c>;</item>
/// <item><c>edgecommerce.sync.edge_lag.max</c> ({revision}): the largest lag of a connected edge (head − applied);</item>
/// <item><c>edgecommerce.sync.edges.behind</c> ({edge}): connected edges that lack at least one revision;</item>
/// <item><c>edgecommerce.sync.head_revision</c> ({revision}): the newest revision this origin published.</item>
/// </list>
/// </summary>
internal sealed class EdgeMetrics
{
    public EdgeMetrics(IMeterFactory meterFactory, EdgeRegistry registry, RevisionSignal signal, IOptions<RoutingOptions> routing, TimeProvider timeProvider)
    {
        var meter = meterFactory.Create(TelemetryNames.SyncMeter);
        meter.CreateObservableGauge("edgecommerce.sync.edges", () =>
        {
            var now = timeProvider.GetUtcNow();
            var connected = 0;
            var disconnected = 0;
            foreach (var edge in registry.Local())
            {
                if (edge.Connected && now - edge.LastContact <= routing.Value.ContactTimeout)
                {
                    connected++;
                }
                else
                {
                    disconnected++;
                }
            }

            return new[]
            {
                new Measurement<int>(connected, new KeyValuePair<string, object?>(TelemetryNames.StateTag, "connected")),
                new Measurement<int>(disconnected, new KeyValuePair<string, object?>(TelemetryNames.StateTag, "disconnected")),
            };
        }, "{edge}", "Edges this origin process has seen, by link state.");
        meter.CreateObservableGauge("edgecommerce.sync.edge_lag.max", () =>
        {
            var head = signal.Head;
            return registry.Local().Where(static e => e.Connected).Select(e => Math.Max(0, head - e.AppliedRevision)).DefaultIfEmpty(0).Max();
        }, "{revision}", "The largest lag, in revisions, of an edge connected to this origin process.");
        meter.CreateObservableGauge("edgecommerce.sync.edges.behind", () =>
        {
            var head = signal.Head;
            return registry.Local().Count(e => e.Connected && e.AppliedRevision < head);
        }, "{edge}", "Connected edges that lack at least one revision.");
        meter.CreateObservableGauge("edgecommerce.sync.head_revision", () => signal.Head, "{revision}",
            "The newest revision this origin process has published.");
    }
}
