using System.Collections.Concurrent;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Sync;

/// <summary>
/// Renews the <c>edge:sync</c> tokens of edges behind a relay, by the rule a direct stream follows
/// (<see cref="SyncTokenRenewer"/>): the relay forwards each downstream edge's token once per
/// downstream stream (<c>EdgeMessage.downstream_tokens</c>), the origin checks it as it would at a
/// hello, and at each of the relay's heartbeats sends the renewals that are due
/// (<c>WatchResponse.downstream_renewals</c>), which the relay passes on to the edge's own stream.
/// </summary>
/// <remarks>
/// This gives a relay nothing it did not have: it is handed each downstream edge's token to check
/// anyway, and whoever holds a valid token can renew it by streaming from the origin as that edge.
/// A token that fails the check (or belongs to the relay itself, or to a revoked edge) is dropped,
/// so nothing is renewed for it.
/// </remarks>
internal sealed class RelayedTokenRenewer(
    AccessTokenValidator validator,
    AccessTokenIssuer issuer,
    SigningKeyManager keys,
    IOptions<AccessTokenOptions> tokenOptions,
    EdgeRevocations revocations,
    TimeProvider timeProvider)
{
    private readonly AccessTokenValidator _validator = validator;
    private readonly EdgeRevocations _revocations = revocations;

    /// <summary>Downstream edges followed per relay stream at most (bounds what a relay can make the origin hold).</summary>
    public const int MaxEdgesPerRelay = 100_000;

    private SyncTokenRenewer RenewerFor(string edgeId, AccessToken presented)
        => new(edgeId, presented, issuer, keys, tokenOptions.Value.MaxLifetime, timeProvider);

    /// <summary>The renewals of one relay stream's downstream edges.</summary>
    public Stream Open(string relayId) => new(this, relayId);

    internal sealed class Stream(RelayedTokenRenewer owner, string relayId)
    {
        private readonly ConcurrentDictionary<string, SyncTokenRenewer> _renewers = new(StringComparer.Ordinal);

        /// <summary>How many downstream edges' tokens this stream follows.</summary>
        public int Count => _renewers.Count;

        /// <summary>Takes the tokens a relay forwarded: each one checked as at a hello, then followed for renewal.</summary>
        public async Task OfferAsync(DownstreamTokens tokens, CancellationToken cancellationToken)
        {
            foreach (var edge in tokens.Edges)
            {
                if (!Identifiers.IsValid(edge.EdgeId) || string.Equals(edge.EdgeId, relayId, StringComparison.Ordinal) || edge.Token.Length is 0 or > 8192)
                {
                    continue;
                }

                var (token, _) = await owner._validator.ValidateAsync(edge.Token);
                if (token is null || !token.HasScope(Scopes.EdgeSync) || !string.Equals(token.Subject, edge.EdgeId, StringComparison.Ordinal)
                    || await owner._revocations.IsRevokedAsync(edge.EdgeId, cancellationToken))
                {
                    _renewers.TryRemove(edge.EdgeId, out _);
                    continue;
                }

                if (_renewers.Count >= MaxEdgesPerRelay && !_renewers.ContainsKey(edge.EdgeId))
                {
                    continue;
                }

                _renewers[edge.EdgeId] = owner.RenewerFor(edge.EdgeId, token);
            }
        }

        /// <summary>
        /// Stops renewing <paramref name="edgeId"/>'s token: its stream from the relay ended (or it
        /// was revoked or refused). Renewals for it would only be dropped by the relay, and a relay
        /// whose edges come and go would have the origin sign a token per departed edge until each
        /// expired. If the edge comes back, the relay forwards its token again with its new stream.
        /// </summary>
        public void Forget(string edgeId) => _renewers.TryRemove(edgeId, out _);

        /// <summary>The renewals due now (one message), or null. Called by the relay's session only, at its heartbeats.</summary>
        public async Task<WatchResponse?> RenewDueAsync(CancellationToken cancellationToken)
        {
            DownstreamRenewals? due = null;
            foreach (var (edgeId, renewer) in _renewers)
            {
                if (!renewer.PresentedStillValid() || await owner._revocations.IsRevokedAsync(edgeId, cancellationToken))
                {
                    // As on a direct stream: nothing is renewed for an expired token, a revoked key or
                    // a revoked edge. The relay ends that edge's stream; it comes back with a token
                    // renewed earlier (forwarded again then) or one an operator gives it.
                    _renewers.TryRemove(new KeyValuePair<string, SyncTokenRenewer>(edgeId, renewer));
                    continue;
                }

                if (await renewer.RenewIfDueAsync(cancellationToken) is { TokenRenewal: { } renewal })
                {
                    (due ??= new DownstreamRenewals()).Edges.Add(new DownstreamRenewal { EdgeId = edgeId, Renewal = renewal });
                }
            }

            return due is null ? null : new WatchResponse { DownstreamRenewals = due };
        }
    }
}
