using System.Collections.Concurrent;
using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Edge.Relay;

/// <summary>
/// Token renewals for the edges behind this relay, which cannot mint: each downstream edge's
/// <c>edge:sync</c> token goes upstream once per downstream stream (and all of them again on each
/// new upstream stream, since the origin keeps them per stream), and the renewals the origin sends
/// back (<c>WatchResponse.downstream_renewals</c>) are passed on to the edge's own stream as a
/// <c>token_renewal</c>, as the origin would send it to a direct edge.
/// </summary>
internal sealed class RelayTokenRenewals
{
    /// <summary>A forwarded-tokens message stays under the origin's 64 KiB limit for anything but a report.</summary>
    internal const int MaxMessageBytes = 48 * 1024;

    private readonly ConcurrentDictionary<string, Registration> _edges = new(StringComparer.Ordinal);

    /// <summary>Follows <paramref name="edgeId"/>'s stream, opened with <paramref name="token"/>, until the registration is disposed.</summary>
    public Registration Register(string edgeId, string token)
    {
        var registration = new Registration(this, edgeId, token);
        _edges[edgeId] = registration;
        return registration;
    }

    /// <summary>
    /// The tokens to forward upstream, in messages of at most <see cref="MaxMessageBytes"/>: those
    /// not forwarded yet, or every one when <paramref name="all"/> (a new upstream stream).
    /// </summary>
    public IReadOnlyList<DownstreamTokens> TakeTokens(bool all)
    {
        var messages = new List<DownstreamTokens>();
        var current = new DownstreamTokens();
        var size = 0;
        foreach (var registration in _edges.Values)
        {
            if (Interlocked.Exchange(ref registration.Forwarded, 1) == 1 && !all)
            {
                continue;
            }

            var token = new DownstreamToken { EdgeId = registration.EdgeId, Token = registration.Token };
            var bytes = token.CalculateSize() + 4;
            if (size + bytes > MaxMessageBytes && current.Edges.Count > 0)
            {
                messages.Add(current);
                current = new DownstreamTokens();
                size = 0;
            }

            current.Edges.Add(token);
            size += bytes;
        }

        if (current.Edges.Count > 0)
        {
            messages.Add(current);
        }

        return messages;
    }

    /// <summary>Renewals from the origin: each goes to its edge's stream, if it is still here.</summary>
    public void OnRenewals(DownstreamRenewals renewals)
    {
        foreach (var edge in renewals.Edges)
        {
            if (edge.Renewal is { Token.Length: > 0 } renewal && _edges.TryGetValue(edge.EdgeId, out var registration))
            {
                Volatile.Write(ref registration.Pending, renewal);
            }
        }
    }

    /// <summary>One downstream stream's token and the renewal waiting for it.</summary>
    internal sealed class Registration(RelayTokenRenewals owner, string edgeId, string token) : IDisposable
    {
        internal int Forwarded;
        internal SyncTokenRenewal? Pending;

        public string EdgeId { get; } = edgeId;

        public string Token { get; } = token;

        /// <summary>The renewal to send on this stream now, or null (each is sent once).</summary>
        public SyncTokenRenewal? TakePending() => Interlocked.Exchange(ref Pending, null);

        public void Dispose() => owner._edges.TryRemove(new KeyValuePair<string, Registration>(EdgeId, this));
    }
}
