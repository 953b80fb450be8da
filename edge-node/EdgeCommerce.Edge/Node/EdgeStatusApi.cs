using EdgeCommerce.Edge.Sync;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Node;

/// <summary><c>GET /v1/edge/status</c>: how this edge stands with the origin.</summary>
internal static class EdgeStatusApi
{
    public static IEndpointRouteBuilder MapEdgeStatusApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGet("/v1/edge/status", GetStatus)
            .WithTags("Edge")
            .WithName("GetEdgeStatus")
            .WithSummary("Edge id, region, applied and head revisions, link state and sync counters.");
        return endpoints;
    }

    internal static Ok<EdgeStatusResponse> GetStatus(ReplicaHolder holder, SyncState state, IOptions<EdgeOptions> options, TimeProvider timeProvider, HttpContext context)
    {
        var replica = holder.Current;
        var lastContact = state.LastContact;
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Ok(new EdgeStatusResponse(
            options.Value.Id,
            options.Value.Region,
            replica.HasSnapshot,
            replica.Revision,
            Math.Max(state.HeadRevision, replica.Revision),
            state.Connected,
            lastContact,
            lastContact is { } at ? (timeProvider.GetUtcNow() - at).TotalSeconds : null,
            replica.Creators.Count,
            state.SnapshotsReceived,
            state.ChangesApplied,
            state.Reconnects,
            state.RestoredRevision,
            state.PersistedRevision,
            state.OriginAddress));
    }
}

/// <param name="SecondsSinceContact">How stale the replica may be: seconds since the origin was last heard from.</param>
/// <param name="RestoredRevision">The revision loaded from the persisted replica at startup; null when the edge started empty.</param>
/// <param name="PersistedRevision">The revision last written to the persisted replica; null before the first write.</param>
/// <param name="OriginAddress">The origin replica of the current (or last) stream; empty before the first.</param>
internal sealed record EdgeStatusResponse(
    string EdgeId,
    string Region,
    bool Ready,
    long AppliedRevision,
    long HeadRevision,
    bool Connected,
    DateTimeOffset? LastContact,
    double? SecondsSinceContact,
    int Creators,
    long SnapshotsReceived,
    long ChangesApplied,
    long Reconnects,
    long? RestoredRevision,
    long? PersistedRevision,
    string OriginAddress);
