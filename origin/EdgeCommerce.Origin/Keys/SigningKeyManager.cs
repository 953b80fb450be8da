using System.Security.Cryptography;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.ServiceDefaults.Authentication;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace EdgeCommerce.Origin.Keys;

/// <summary>
/// Owns the ES256 signing keys: creates the first, rotates make-before-break (publish the new
/// public key on the sync stream first; sign with it once every connected edge acknowledged it, or
/// after <see cref="KeysOptions.PublishLead"/>), retires old keys after the longest token lifetime,
/// and revokes at once. Every change is one revision carrying the whole public key set. The
/// current state is an immutable snapshot swapped atomically; the origin's own key ring follows it.
/// Private keys reach the store only sealed (<see cref="SigningKeySealer"/>).
/// </summary>
internal sealed class SigningKeyManager(
    IOriginStore store,
    SigningKeySealer sealer,
    SigningKeyRing ring,
    EdgeRegistry registry,
    IOptions<KeysOptions> options,
    IOptions<AccessTokenOptions> tokenOptions,
    TimeProvider timeProvider,
    ILogger<SigningKeyManager> logger) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile KeyState _state = KeyState.Empty;
    // The newest key every connected edge was seen to hold before its publish lead passed.
    private volatile string? _acknowledgedKeyId;
    private volatile EdgesWalk? _lastWalk;

    public string Issuer => options.Value.Issuer;

    /// <summary>The keys as loaded, newest last.</summary>
    public IReadOnlyList<SigningKeyRecord> Keys => _state.Records;

    /// <summary>
    /// Opens the key-encryption key and loads the keys, sealing again any the store holds in
    /// plaintext (a store from before sealing) or under the previous KEK (a KEK rotation). Called
    /// once at startup; the first key is created when the first token is minted.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var stored = await store.ListSigningKeysAsync(cancellationToken);
            await sealer.OpenAsync(stored, cancellationToken);
            var keys = stored.Select(sealer.Open).ToList();
            var stale = stored.Count(key => !sealer.IsCurrent(key.PrivateKey));
            if (stale > 0)
            {
                await SaveAsync(keys, cancellationToken);
                KeysLog.SigningKeysSealed(logger, stale, sealer.KeyEncryptionKeyId);
            }
            else
            {
                Load(keys);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The key to sign with, creating the first one when none is usable (no token can exist yet,
    /// so it signs at once; edges learn it with the same revision).
    /// </summary>
    public async Task<(string KeyId, ECDsa Key)> GetSigningKeyAsync(CancellationToken cancellationToken)
    {
        if (TrySigningKey() is { } ready)
        {
            return ready;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (TrySigningKey() is { } raced)
            {
                return raced;
            }

            var now = timeProvider.GetUtcNow();
            var keys = _state.Records.Append(NewKey(now, signingFrom: now)).ToList();
            await SaveAsync(keys, cancellationToken);
            KeysLog.KeyCreated(logger, keys[^1].KeyId);
        }
        finally
        {
            _gate.Release();
        }

        return TrySigningKey() ?? throw new InvalidOperationException("Unable to create a signing key.");
    }

    /// <summary>Publishes a new key; signing moves to it once edges have it. Returns the new key id.</summary>
    public async Task<string> RotateAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = timeProvider.GetUtcNow();
            var fresh = NewKey(now, signingFrom: now + options.Value.PublishLead);
            // Tokens signed by the old keys stay valid for their whole lifetime after the last one is signed.
            var retireAt = fresh.SigningFrom + tokenOptions.Value.MaxLifetime + tokenOptions.Value.ClockSkew;
            var keys = _state.Records
                .Select(key => key.Revoked || key.RetireAt is not null ? key : key with { RetireAt = retireAt })
                .Append(fresh)
                .ToList();
            await SaveAsync(keys, cancellationToken);
            KeysLog.KeyRotated(logger, fresh.KeyId, retireAt);
            return fresh.KeyId;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Revokes a key at once. Returns false when no such key is published.</summary>
    public async Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = timeProvider.GetUtcNow();
            if (!_state.Records.Any(key => key.KeyId == keyId && IsPublished(key, now)))
            {
                return false;
            }

            var keys = _state.Records.Select(key => key.KeyId == keyId ? key with { Revoked = true } : key).ToList();
            if (!keys.Any(key => IsPublished(key, now) && key.RetireAt is null))
            {
                // Nothing left to sign with: a new key, signing at once (tokens it signs validate on
                // an edge as soon as the edge applies this revision).
                keys.Add(NewKey(now, signingFrom: now));
            }

            await SaveAsync(keys, cancellationToken);
            KeysLog.KeyRevoked(logger, keyId);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Drops keys past their retirement (and long-revoked ones) from the store and the published set.</summary>
    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var now = timeProvider.GetUtcNow();
            var keep = _state.Records.Where(key => key.RetireAt is not { } at || at > now).ToList();
            if (keep.Count != _state.Records.Count)
            {
                await SaveAsync(keep, cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The key to sign with now: the newest published, unretired key that every connected edge has
    /// acknowledged or whose publish lead has passed; otherwise the one before it; null when none.
    /// Once a key signs it keeps signing (until a newer one does): an edge connecting later from an
    /// older revision gets the key set before anything else, and switching back would not unsign
    /// the tokens already out.
    /// </summary>
    public (string KeyId, ECDsa Key)? TrySigningKey()
    {
        var state = _state;
        var now = timeProvider.GetUtcNow();
        foreach (var key in state.Records.Where(key => IsPublished(key, now) && key.RetireAt is null).Reverse())
        {
            if (now >= key.SigningFrom || string.Equals(_acknowledgedKeyId, key.KeyId, StringComparison.Ordinal))
            {
                return (key.KeyId, state.PrivateKeys[key.KeyId]);
            }

            if (key.PublishedRevision > 0 && EveryConnectedEdgeHolds(key))
            {
                _acknowledgedKeyId = key.KeyId;
                return (key.KeyId, state.PrivateKeys[key.KeyId]);
            }
        }

        // Right after a rotation: the previous key (now retiring) signs until edges have the new one.
        var previous = state.Records.LastOrDefault(key => IsPublished(key, now) && now >= key.SigningFrom);
        return previous is null ? null : (previous.KeyId, state.PrivateKeys[previous.KeyId]);
    }

    /// <summary>
    /// Whether every connected edge has acknowledged the revision that published <paramref name="key"/>.
    /// Every stream's heartbeat asks which key signs (its token renewal check, and a relay's for
    /// each edge behind it), so the edges are walked at most once per <see cref="EdgesWalkInterval"/>
    /// for a key, and the answer in between is no: at 5,000 edges a walk per call kept the origin
    /// busy for the whole publish lead (RESULTS, "Key rotation at 5,000 edges").
    /// </summary>
    private bool EveryConnectedEdgeHolds(SigningKeyRecord key)
    {
        var at = timeProvider.GetTimestamp();
        if (_lastWalk is { } last && string.Equals(last.KeyId, key.KeyId, StringComparison.Ordinal) && timeProvider.GetElapsedTime(last.At, at) < EdgesWalkInterval)
        {
            return false;
        }

        _lastWalk = new EdgesWalk(key.KeyId, at);
        return registry.Local().All(edge => !edge.Connected || edge.AppliedRevision >= key.PublishedRevision);
    }

    public void Dispose()
    {
        _gate.Dispose();
        _state.Dispose();
    }

    /// <summary>How often the connected edges are read for a key waiting to sign: a new key signs at most this long after the last edge acknowledged it.</summary>
    internal static readonly TimeSpan EdgesWalkInterval = TimeSpan.FromMilliseconds(100);

    private static bool IsPublished(SigningKeyRecord key, DateTimeOffset now) => !key.Revoked && (key.RetireAt is not { } at || at > now);

    private static SigningKeyRecord NewKey(DateTimeOffset now, DateTimeOffset signingFrom)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new SigningKeyRecord(Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), ecdsa.ExportPkcs8PrivateKey(), now, 0, signingFrom, null, false);
    }

    private async Task SaveAsync(IReadOnlyList<SigningKeyRecord> keys, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var keySet = new KeySet { Issuer = Issuer };
        foreach (var key in keys.Where(key => IsPublished(key, now)))
        {
            using var ecdsa = ECDsa.Create();
            ecdsa.ImportPkcs8PrivateKey(key.PrivateKey, out _);
            var point = ecdsa.ExportParameters(includePrivateParameters: false).Q;
            keySet.Keys.Add(new PublicKey { Kid = key.KeyId, X = ByteString.CopyFrom(point.X), Y = ByteString.CopyFrom(point.Y) });
        }

        await store.SaveSigningKeysAsync(keys.Select(sealer.Seal).ToList(), keySet.ToByteArray(), cancellationToken);
        // Reload: the store stamped new keys with the revision that published them.
        Load((await store.ListSigningKeysAsync(cancellationToken)).Select(sealer.Open).ToList());
    }

    private void Load(IReadOnlyList<SigningKeyRecord> keys)
    {
        var now = timeProvider.GetUtcNow();
        var next = KeyState.From(keys);
        var previous = Interlocked.Exchange(ref _state, next);
        ring.Replace(Issuer, keys.Where(key => IsPublished(key, now))
            .ToDictionary(static key => key.KeyId, key => (SecurityKey)new ECDsaSecurityKey(next.PrivateKeys[key.KeyId]) { KeyId = key.KeyId }, StringComparer.Ordinal));
        // REVIEW: the previous ECDsa objects may still be in use by a token being minted; they are
        // left to the GC rather than disposed under it.
        _ = previous;
    }

    private sealed record EdgesWalk(string KeyId, long At);

    /// <summary>An immutable view of the keys with their loaded private keys.</summary>
    private sealed class KeyState : IDisposable
    {
        public static readonly KeyState Empty = new([], new Dictionary<string, ECDsa>(StringComparer.Ordinal));

        private KeyState(IReadOnlyList<SigningKeyRecord> records, IReadOnlyDictionary<string, ECDsa> privateKeys)
        {
            Records = records;
            PrivateKeys = privateKeys;
        }

        public IReadOnlyList<SigningKeyRecord> Records { get; }

        public IReadOnlyDictionary<string, ECDsa> PrivateKeys { get; }

        public static KeyState From(IReadOnlyList<SigningKeyRecord> records)
        {
            var keys = new Dictionary<string, ECDsa>(StringComparer.Ordinal);
            foreach (var record in records)
            {
                var ecdsa = ECDsa.Create();
                ecdsa.ImportPkcs8PrivateKey(record.PrivateKey, out _);
                keys[record.KeyId] = ecdsa;
            }

            return new KeyState(records, keys);
        }

        public void Dispose()
        {
            foreach (var key in PrivateKeys.Values)
            {
                key.Dispose();
            }
        }
    }
}
