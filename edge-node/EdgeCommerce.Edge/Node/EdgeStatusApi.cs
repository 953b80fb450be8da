using System.Text.Json;
using System.Text.Json.Serialization;
using EdgeCommerce.Edge.Streams;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Http;
using EdgeCommerce.ServiceDefaults.Observability;
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
            .WithSummary("Edge id, region, applied and head revisions, link state and sync counters. With minRevision, waits up to 'wait' seconds (at most 30) until that revision is applied.");
        return endpoints;
    }

    /// <summary>The longest a status request may wait for a revision.</summary>
    public const double MaxWaitSeconds = 30;

    /// <remarks>
    /// A wait past <see cref="MaxWaitSeconds"/> is refused (400) rather than clamped: a client that
    /// asked for longer would otherwise read an early answer as "the revision never came". A wait
    /// holds one of <see cref="StreamSlots"/>' slots (503 when none is free); an answer at once does not.
    /// </remarks>
    internal static async Task<Results<JsonOk<EdgeStatusResponse>, ProblemHttpResult>> GetStatus(
        ReplicaHolder holder, SyncState state, IOptions<EdgeOptions> options, TimeProvider timeProvider, StreamSlots slots, LongLivedRequests longLived, HttpContext context,
        long? minRevision = null, double? wait = null)
    {
        if (minRevision is < 0 || wait is < 0 or > MaxWaitSeconds || (wait is not null && minRevision is null) || (wait is { } w && !double.IsFinite(w)))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid wait.",
                detail: $"minRevision must be 0 or more; wait (seconds, with minRevision) must be between 0 and {MaxWaitSeconds}.");
        }

        if (minRevision is { } revision && wait > 0 && holder.Current is var current && !(current.HasSnapshot && current.Revision >= revision))
        {
            if (!slots.TryEnter(context, out var slot))
            {
                return slots.Refused(context);
            }

            // A wait lasts as long as the revision takes: not a request latency.
            longLived.Track(context, StreamKinds.LongPoll);
            using (slot)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                timeout.CancelAfter(TimeSpan.FromSeconds(wait.Value));
                await holder.WaitForRevisionAsync(revision, timeout.Token);
            }
        }

        var replica = holder.Current;
        var lastContact = state.LastContact;
        context.Response.Headers.CacheControl = "no-store";
        return JsonAnswer.Ok(new EdgeStatusResponse(
            options.Value.Id,
            options.Value.Region,
            replica.HasSnapshot,
            replica.Revision,
            Math.Max(state.HeadRevision, replica.Revision),
            state.Connected,
            lastContact,
            // Before any contact in this process (a restart with the origin down) the replica is at
            // least as stale as the process is old: a lower bound, never null.
            (timeProvider.GetUtcNow() - (lastContact ?? state.StartedAt)).TotalSeconds,
            replica.Creators.Count,
            state.SnapshotsReceived,
            state.ChangesApplied,
            state.Reconnects,
            state.RestoredRevision,
            state.PersistedRevision,
            state.OriginAddress,
            replica.ClusterId,
            state.ConnectAttempts,
            state.FailuresSinceContact,
            state.LastError?.Message,
            state.LastError?.At), EdgeStatusJsonContext.Default.EdgeStatusResponse);
    }
}

/// <param name="LastContact">When this process last heard from the origin; null before the first contact.</param>
/// <param name="SecondsSinceContact">How stale the replica may be: seconds since the origin was last heard from, or since this process started when it has not been yet (a lower bound).</param>
/// <param name="Reconnects">Streams lost after they had connected.</param>
/// <param name="SnapshotsReceived">Snapshots received from the origin since this process started (a warm restart needs none).</param>
/// <param name="RestoredRevision">The revision loaded from the persisted replica at startup; null when the edge started empty.</param>
/// <param name="PersistedRevision">The revision last written to the persisted replica; null before the first write.</param>
/// <param name="OriginAddress">The origin replica of the current (or last) stream; empty before the first.</param>
/// <param name="ClusterId">The origin cluster the replica came from.</param>
/// <param name="ConnectAttempts">Stream attempts since start that ended, reached or not (each is followed by a retry).</param>
/// <param name="FailedAttempts">Attempts that failed since the origin was last heard from.</param>
/// <param name="LastError">Why the last attempt failed (gRPC status and detail); null when none failed.</param>
/// <param name="LastErrorAt">When it failed.</param>
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
    string OriginAddress,
    string ClusterId,
    long ConnectAttempts,
    long FailedAttempts,
    string? LastError,
    DateTimeOffset? LastErrorAt);

/// <summary>
/// The status answer's serializer, generated at build time: the long-poll answers once per applied
/// revision on every edge (the propagation benchmark's measure of "visible").
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(EdgeStatusResponse))]
internal sealed partial class EdgeStatusJsonContext : JsonSerializerContext;
