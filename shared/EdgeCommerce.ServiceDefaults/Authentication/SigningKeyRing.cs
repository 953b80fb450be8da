using System.Collections.Frozen;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// The public keys tokens may be signed with, by <c>kid</c>: an immutable set swapped atomically
/// when the origin publishes, rotates or revokes keys. Validation never looks beyond the
/// token's own <c>kid</c>.
/// </summary>
public sealed class SigningKeyRing
{
    private readonly Lock _gate = new();
    private volatile FrozenDictionary<string, SecurityKey> _keys = FrozenDictionary<string, SecurityKey>.Empty;
    private volatile string _issuer = "";
    private FrozenDictionary<string, CancellationTokenSource> _revocations = FrozenDictionary<string, CancellationTokenSource>.Empty;

    /// <summary>The current keys.</summary>
    public FrozenDictionary<string, SecurityKey> Keys => _keys;

    /// <summary>The only issuer tokens may name; empty (nothing valid) until the origin's keys arrive.</summary>
    public string Issuer => _issuer;

    /// <summary>
    /// Replaces the set. A key that disappears, or whose key material changes under the same kid,
    /// is revoked, and so is every key when the issuer changes: its change token fires, so cached
    /// validations of tokens it signed are dropped at once.
    /// </summary>
    public void Replace(string issuer, IReadOnlyDictionary<string, SecurityKey> keys)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        ArgumentNullException.ThrowIfNull(keys);
        List<CancellationTokenSource> revoked;
        lock (_gate)
        {
            var next = keys.ToFrozenDictionary(StringComparer.Ordinal);
            var issuerChanged = !string.Equals(issuer, _issuer, StringComparison.Ordinal);
            var kept = _revocations
                .Where(pair => !issuerChanged && next.TryGetValue(pair.Key, out var key) && SameKey(_keys[pair.Key], key))
                .ToDictionary(static pair => pair.Key, static pair => pair.Value, StringComparer.Ordinal);
            revoked = _revocations.Where(pair => !kept.ContainsKey(pair.Key)).Select(static pair => pair.Value).ToList();
            _revocations = next.Keys.ToFrozenDictionary(
                static kid => kid,
                kid => kept.TryGetValue(kid, out var existing) ? existing : new CancellationTokenSource(),
                StringComparer.Ordinal);
            _keys = next;
            _issuer = issuer;
        }

        foreach (var source in revoked)
        {
            source.Cancel();
            source.Dispose();
        }
    }

    /// <summary>The same key material: the same object, or equal RFC 7638 thumbprints (a ring rebuilt from the same JWKs keeps its cache).</summary>
    private static bool SameKey(SecurityKey current, SecurityKey next)
        => ReferenceEquals(current, next)
            || (current.CanComputeJwkThumbprint() && next.CanComputeJwkThumbprint()
                && current.ComputeJwkThumbprint().AsSpan().SequenceEqual(next.ComputeJwkThumbprint()));

    /// <summary>A change token that fires when <paramref name="kid"/> leaves the set or is revoked (null when it is not in it).</summary>
    public IChangeToken? RevocationToken(string kid)
    {
        lock (_gate)
        {
            return _revocations.TryGetValue(kid, out var source) ? new CancellationChangeToken(source.Token) : null;
        }
    }
}
