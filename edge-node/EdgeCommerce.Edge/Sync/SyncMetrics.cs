using System.Diagnostics.Metrics;
using EdgeCommerce.ServiceDefaults.Observability;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// The edge's link to the origin, as observable instruments read from <see cref="SyncState"/> at
/// each collection (nothing on the sync path itself):
/// <list type="bullet">
/// <item><c>edgecommerce.sync.lag.revisions</c> ({revision}): revisions the replica lacks of the newest it has heard of;</item>
/// <item><c>edgecommerce.sync.lag.duration</c> (s): how long it has been behind (while disconnected, at least since the last contact);</item>
/// <item><c>edgecommerce.sync.connected</c> ({stream}): 1 while a stream to the origin is open, else 0;</item>
/// <item><c>edgecommerce.sync.replica.revision</c> ({revision}): the revision the replica holds;</item>
/// <item><c>edgecommerce.sync.reconnects</c>, <c>edgecommerce.sync.snapshots</c>, <c>edgecommerce.sync.changes</c>: counters since start.</item>
/// </list>
/// </summary>
internal sealed class SyncMetrics
{
    public SyncMetrics(IMeterFactory meterFactory, SyncState state)
    {
        var meter = meterFactory.Create(TelemetryNames.SyncMeter);
        meter.CreateObservableGauge("edgecommerce.sync.lag.revisions", () => state.LagRevisions, "{revision}",
            "Revisions this edge's replica lacks of the newest revision it has heard of from the origin.");
        meter.CreateObservableGauge("edgecommerce.sync.lag.duration", () => state.LagDuration.TotalSeconds, "s",
            "How long this edge's replica has been behind the origin; while disconnected, at least the time since the origin was last heard from.");
        meter.CreateObservableGauge("edgecommerce.sync.connected", () => state.Connected ? 1 : 0, "{stream}",
            "1 while a sync stream to the origin is open, else 0.");
        meter.CreateObservableGauge("edgecommerce.sync.replica.revision", () => state.AppliedRevision, "{revision}",
            "The revision this edge's replica holds.");
        meter.CreateObservableCounter("edgecommerce.sync.reconnects", () => state.Reconnects, "{reconnect}",
            "Sync streams that broke after delivering something, since start.");
        meter.CreateObservableCounter("edgecommerce.sync.snapshots", () => state.SnapshotsReceived, "{snapshot}",
            "Snapshots received from the origin and applied, since start (a warm restart from disk is not one).");
        meter.CreateObservableCounter("edgecommerce.sync.changes", () => state.ChangesApplied, "{change}",
            "Change records applied from batches, since start.");
    }
}
