using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EdgeCommerce.Contracts.Edges;
using EdgeCommerce.Origin.Storage;
using Microsoft.AspNetCore.OutputCaching;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Edges;

/// <summary>
/// Output caching of the public nearest-edge answer (<c>/v1/edges/nearest?region=R</c>), which every
/// creator page's embed script asks on load: computed once per region and registry state, shared by
/// every browser until the registry changes in a way that could change it.
/// </summary>
/// <remarks>
/// Everything the answer is computed from that this process holds in memory is in the key, as a
/// fingerprint (<see cref="Fingerprint"/>): the published head revision, and each edge this process
/// streams to with its region, URL, acknowledged revision, whether it is connected and heard from
/// within <see cref="RoutingOptions.ContactTimeout"/> by the injected clock, and whether it is
/// revoked. So an edge connecting, going quiet, disconnecting, acknowledging, being revoked or a
/// catalog write is a new key, and an entry never answers for a later state. The answer carries
/// the fingerprint of the state it was computed from (<see cref="EdgeDirectory.NearestAnswerAsync"/>),
/// and is stored only when that equals the key's: a change racing the computation leaves no entry,
/// never one filed under the older state (a fingerprint is a content hash, and a state can come
/// back). What is not in memory is kept out of stored answers: an answer naming an edge that is
/// behind the head (its health then changes with time, at <see cref="RoutingOptions.MaxLag"/>) or
/// known only from the store (another origin replica's edge, or one from before this process
/// started) is not stored, except on PostgreSQL, where other replicas' edges are the normal case and
/// an entry lives at most <see cref="RoutingOptions.RegistryFlushInterval"/>: the store's view of
/// them is itself that old. Entries carry a tag per fingerprint, evicted once a request sees the
/// fingerprint move on. Only 200 answers are stored. <see cref="RoutingOptions.CacheNearest"/> turns
/// it off.
/// </remarks>
internal sealed class NearestEdgesCachePolicy : IOutputCachePolicy
{
    /// <summary>The named policy (one instance per host: it remembers the newest fingerprint).</summary>
    public const string PolicyName = "nearest-edges";

    /// <summary>How long an entry may sit unused on SQLite; correctness does not depend on it (see above).</summary>
    internal static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);

    /// <summary>The <see cref="HttpContext.Items"/> key of the answer's <see cref="NearestAnswer"/>.</summary>
    internal static readonly object AnswerKey = new();

    private const string FingerprintKey = "registry";
    private const string TagPrefix = "edges-nearest:";

    private string? _current;

    async ValueTask IOutputCachePolicy.CacheRequestAsync(OutputCacheContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var services = http.RequestServices;
        var routing = services.GetRequiredService<IOptions<RoutingOptions>>().Value;
        var region = http.Request.Query["region"];
        if (!routing.CacheNearest || !HttpMethods.IsGet(http.Request.Method) || region.Count > 1)
        {
            return;
        }

        var fingerprint = await services.GetRequiredService<EdgeDirectory>().FingerprintAsync(cancellationToken);
        var previous = Volatile.Read(ref _current);
        if (!string.Equals(previous, fingerprint, StringComparison.Ordinal)
            && Interlocked.CompareExchange(ref _current, fingerprint, previous) == previous && previous is not null)
        {
            // The registry moved on: the older state's entries can no longer be looked up.
            await services.GetRequiredService<IOutputCacheStore>().EvictByTagAsync(TagPrefix + previous, cancellationToken);
        }

        context.EnableOutputCaching = true;
        context.AllowCacheLookup = true;
        context.AllowCacheStorage = true;
        context.AllowLocking = true;
        context.ResponseExpirationTimeSpan = services.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == StorageProvider.Postgres
            ? routing.RegistryFlushInterval
            : Lifetime;
        context.Tags.Add(TagPrefix + fingerprint);
        var vary = context.CacheVaryByRules.VaryByValues;
        vary["region"] = region.Count == 0 ? "" : "=" + region[0];
        vary[FingerprintKey] = fingerprint;
    }

    ValueTask IOutputCachePolicy.ServeFromCacheAsync(OutputCacheContext context, CancellationToken cancellationToken) => ValueTask.CompletedTask;

    ValueTask IOutputCachePolicy.ServeResponseAsync(OutputCacheContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var postgres = http.RequestServices.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == StorageProvider.Postgres;
        if (http.Response.StatusCode != StatusCodes.Status200OK
            || http.Items[AnswerKey] is not NearestAnswer answer
            || !context.CacheVaryByRules.VaryByValues.TryGetValue(FingerprintKey, out var fingerprint)
            || !string.Equals(answer.Fingerprint, fingerprint, StringComparison.Ordinal)
            || answer.AnyBehind
            || (answer.AnyStoreOnly && !postgres))
        {
            context.AllowCacheStorage = false;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// The registry state this process holds in memory, as far as a nearest answer depends on it:
    /// <paramref name="head"/> and every local edge's region, URL, acknowledged revision, liveness
    /// (connected and heard from within <paramref name="contactTimeout"/> of <paramref name="now"/>)
    /// and revocation, in id order. SHA-256, so two states that differ never share a key.
    /// </summary>
    internal static string Fingerprint(long head, IReadOnlyList<(EdgeRecord Record, bool Revoked)> local, DateTimeOffset now, TimeSpan contactTimeout)
    {
        var text = new StringBuilder(64 + (local.Count * 96));
        text.Append(head.ToString(CultureInfo.InvariantCulture));
        foreach (var (record, revoked) in local.OrderBy(static e => e.Record.Id, StringComparer.Ordinal))
        {
            var live = record.Connected && now - record.LastContact <= contactTimeout;
            // Lengths first: no two different lists of fields read as the same text.
            text.Append('\n').Append(record.Id.Length).Append(':').Append(record.Id)
                .Append(' ').Append(record.Region.Length).Append(':').Append(record.Region)
                .Append(' ').Append(record.PublicUrl.Length).Append(':').Append(record.PublicUrl)
                .Append(' ').Append(record.AppliedRevision.ToString(CultureInfo.InvariantCulture))
                .Append(live ? " live" : " gone")
                .Append(revoked ? " revoked" : "");
        }

        return Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}

/// <summary>A nearest answer and what it was computed from, for <see cref="NearestEdgesCachePolicy"/>.</summary>
/// <param name="Edges">Healthy edges, nearest first.</param>
/// <param name="Fingerprint">The in-memory state the answer was computed from (<see cref="NearestEdgesCachePolicy.Fingerprint"/>).</param>
/// <param name="AnyBehind">An edge in the answer lacks changes: its health depends on the clock (<see cref="RoutingOptions.MaxLag"/>).</param>
/// <param name="AnyStoreOnly">An edge in the answer is known here only from the store.</param>
internal sealed record NearestAnswer(IReadOnlyList<EdgeView> Edges, string Fingerprint, bool AnyBehind, bool AnyStoreOnly);
