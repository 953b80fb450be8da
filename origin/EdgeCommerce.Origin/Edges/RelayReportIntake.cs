using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Origin.Edges;

/// <summary>
/// What one relay stream reported about the edges behind it, checked and written into the
/// <see cref="EdgeRegistry"/>. The origin believes only what it can check: each edge id must be
/// well formed, not the relay's own, with a public URL the routing policy allows (as for a hello),
/// and not revoked; its applied revision is capped at what the relay itself acknowledged on this
/// stream (a relay cannot have passed on what it does not hold). What a relay cannot prove, and the
/// origin takes on its word, is that the edge is connected: only edges whose tokens it verified are
/// reported by a relay that follows the code, and a revoked edge is refused anyway.
/// </summary>
/// <remarks>
/// One instance per relay stream, used by that stream's reader only. An edge's identity (id, region,
/// URL) is checked once per stream, when the relay introduces it, and kept; after that a report
/// (a delta: <see cref="DownstreamReport.Delta"/>) costs the origin one revocation-set lookup and
/// one registry update per edge listed, nothing for the others. An edge the relay lists as a
/// follower (<see cref="DownstreamEdge.Follower"/>) is not listed again while it keeps up: every
/// report's <see cref="DownstreamReport.FollowedRevision"/>, capped at the relay's own
/// acknowledgement, goes into one <see cref="RelayLink"/> that the registry resolves all of this
/// stream's followers from when read, as it does their last contact (this stream's). So a write
/// costs the origin one number per relay, however many edges sit behind it; only the laggards, joins,
/// leaves and material load changes are per edge. Every known edge is checked against the revoked
/// set once per <c>contactRefresh</c> (a set lookup each). An edge that left the relay, was revoked
/// or refused goes to <c>departed</c> (the stream's token renewals stop for it).
/// </remarks>
internal sealed class RelayReportIntake(
    string relayId,
    EdgeRegistry registry,
    Action<string, EdgeLoad> reportLoad,
    EdgeUrlPolicy urlPolicy,
    EdgeRevocations revocations,
    TimeProvider timeProvider,
    TimeSpan contactRefresh,
    Action<string>? departed = null)
{
    private readonly Dictionary<string, Known> _known = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private readonly HashSet<string> _aboveCap = new(StringComparer.Ordinal);
    private readonly RelayLink _link = new();
    private long _refreshedAt = timeProvider.GetTimestamp();
    private long _followed;

    /// <summary>Identity checks made so far (a cached edge is not checked again).</summary>
    public int IdentityChecks { get; private set; }

    /// <summary>Applies one report; <paramref name="relayApplied"/> is what the relay acknowledged on this stream so far.</summary>
    public async ValueTask ApplyAsync(DownstreamReport report, long relayApplied, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        _link.Heard(timeProvider.GetUtcNow());
        if (report.Delta)
        {
            foreach (var edgeId in report.GoneEdgeIds)
            {
                Forget(edgeId);
            }
        }
        else
        {
            // A full report lists every edge behind the relay: the ones it leaves out are gone.
            var listed = new HashSet<string>(report.Edges.Select(static e => e.EdgeId), StringComparer.Ordinal);
            foreach (var edgeId in _known.Keys.Where(id => !listed.Contains(id)).ToList())
            {
                Forget(edgeId);
            }

            _refused.Clear();
        }

        HashSet<string>? seen = null;
        foreach (var edge in report.Edges)
        {
            if (!(seen ??= new HashSet<string>(StringComparer.Ordinal)).Add(edge.EdgeId))
            {
                continue;
            }

            if (!_known.TryGetValue(edge.EdgeId, out var known) || Reintroduced(edge, known))
            {
                if (known is null && _refused.Contains(edge.EdgeId) && edge.Region.Length == 0 && edge.PublicUrl.Length == 0)
                {
                    // Refused when introduced: a later delta without the identity changes nothing.
                    continue;
                }

                IdentityChecks++;
                if (!IsAcceptable(edge))
                {
                    Forget(edge.EdgeId);
                    _refused.Add(edge.EdgeId);
                    continue;
                }

                _refused.Remove(edge.EdgeId);
                known = new Known(edge.Region, edge.PublicUrl);
                _known[edge.EdgeId] = known;
            }

            // Revocations can arrive at any time: checked on every report that carries the edge (a set lookup).
            if (await revocations.IsRevokedAsync(edge.EdgeId, cancellationToken))
            {
                Forget(edge.EdgeId);
                continue;
            }

            known.Reported = Math.Max(0, edge.AppliedRevision);
            if (edge.Follower)
            {
                _aboveCap.Remove(edge.EdgeId);
                registry.OnRelayed(relayId, edge.EdgeId, known.Region, known.PublicUrl, 0, _link, follower: true);
            }
            else
            {
                Show(edge.EdgeId, known, relayApplied, force: true);
            }

            if (edge.Load is { } load)
            {
                reportLoad(edge.EdgeId, load);
            }
        }

        _followed = Math.Max(0, report.FollowedRevision);
        OnRelayAcknowledged(relayApplied);

        if (timeProvider.GetElapsedTime(_refreshedAt) >= contactRefresh)
        {
            _refreshedAt = timeProvider.GetTimestamp();
            foreach (var edgeId in _known.Keys.ToList())
            {
                if (await revocations.IsRevokedAsync(edgeId, cancellationToken))
                {
                    Forget(edgeId);
                }
            }
        }
    }

    /// <summary>
    /// The relay acknowledged <paramref name="relayApplied"/>: edges reported above what it had then
    /// (a stream's first report goes out before the relay's own first ack) are raised up to it now,
    /// not at its next report, which may be a heartbeat away. Usually there are none.
    /// </summary>
    public void OnRelayAcknowledged(long relayApplied)
    {
        // The followers: never above what the relay itself acknowledged (it cannot have passed on more).
        _link.Follow(Math.Min(_followed, Math.Max(0, relayApplied)));
        _link.Heard(timeProvider.GetUtcNow());
        if (_aboveCap.Count == 0)
        {
            return;
        }

        foreach (var edgeId in _aboveCap.ToList())
        {
            Show(edgeId, _known[edgeId], relayApplied, force: false);
        }
    }

    private static bool Reintroduced(DownstreamEdge edge, Known known)
        => (edge.Region.Length > 0 || edge.PublicUrl.Length > 0)
        && (!string.Equals(edge.Region, known.Region, StringComparison.Ordinal) || !string.Equals(edge.PublicUrl, known.PublicUrl, StringComparison.Ordinal));

    private bool IsAcceptable(DownstreamEdge edge)
        => Identifiers.IsValid(edge.EdgeId) && !string.Equals(edge.EdgeId, relayId, StringComparison.Ordinal)
        && edge.Region.Length <= 64 && edge.PublicUrl.Length <= 2048
        && urlPolicy.Check(edge.PublicUrl) is null;

    private void Show(string edgeId, Known known, long relayApplied, bool force)
    {
        var shown = Math.Min(known.Reported, Math.Max(0, relayApplied));
        if (force || shown > known.Shown)
        {
            known.Shown = shown;
            registry.OnRelayed(relayId, edgeId, known.Region, known.PublicUrl, shown, _link);
        }

        if (known.Reported > shown)
        {
            _aboveCap.Add(edgeId);
        }
        else
        {
            _aboveCap.Remove(edgeId);
        }
    }

    private void Forget(string edgeId)
    {
        _aboveCap.Remove(edgeId);
        // Before the registry shows it gone: whoever reads that may rely on the rest being done.
        departed?.Invoke(edgeId);
        if (_known.Remove(edgeId))
        {
            registry.OnRelayGone(relayId, edgeId);
        }
    }

    private sealed class Known(string region, string publicUrl)
    {
        public string Region => region;

        public string PublicUrl => publicUrl;

        /// <summary>The applied revision the relay last reported.</summary>
        public long Reported { get; set; }

        /// <summary>The applied revision the registry shows (the reported one, capped).</summary>
        public long Shown { get; set; }
    }
}
