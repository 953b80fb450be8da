using System.Buffers;
using System.Buffers.Text;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using EdgeCommerce.Contracts;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>Why a token was refused, as a closed set for metrics. Never sent to the caller.</summary>
public enum TokenFailure
{
    None,
    Missing,
    Oversize,
    Malformed,
    Header,
    UnknownKey,
    Claims,
    Rejected,
}

/// <summary>
/// Validates ES256 access tokens against the key ring, with no network call and nothing lenient:
/// size cap, strict compact shape, header allow-list (alg ES256, typ at+jwt, a known kid; no crit,
/// jwk, jku, x5c or x5u; no repeated member), exact issuer and audience, lifetime with a small skew,
/// iat not in the future, a maximum lifetime, required and well-typed claims. Successful results
/// are cached by the token's SHA-256 until it expires or its key is revoked, because one ECDSA
/// verification (~70 µs) would otherwise cap a personal endpoint far below the cached widget path.
/// </summary>
public sealed class AccessTokenValidator : IDisposable
{
    private static readonly string[] s_forbiddenHeaderMembers = ["crit", "jwk", "jku", "x5c", "x5u", "x5t", "x5t#S256", "zip", "enc"];

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly SigningKeyRing _keys;
    private readonly AccessTokenOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly MemoryCache? _cache;
    private readonly TokenValidationParameters _parameters;

    public AccessTokenValidator(string audience, SigningKeyRing keys, IOptions<AccessTokenOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        Audience = audience;
        _keys = keys;
        _options = options.Value;
        _timeProvider = timeProvider;
        if (_options.ValidationCacheSize > 0)
        {
            _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = _options.ValidationCacheSize });
        }

        _parameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            // The issuer travels with the keys (the origin's KeySet), matched exactly.
            IssuerValidator = (issuer, _, _) => issuer.Length > 0 && string.Equals(issuer, _keys.Issuer, StringComparison.Ordinal)
                ? issuer
                : throw new SecurityTokenInvalidIssuerException("Invalid issuer."),
            ValidAudience = audience,
            ValidateAudience = true,
            IgnoreTrailingSlashWhenValidatingAudience = false,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
            ValidTypes = ["at+jwt"],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = _options.ClockSkew,
            ValidateIssuerSigningKey = false,
            TryAllIssuerSigningKeys = false,
            // Only the key the token names, from our own ring: never a key the token carries.
            IssuerSigningKeyResolver = (_, _, kid, _) => kid is not null && _keys.Keys.TryGetValue(kid, out var key) ? [key] : [],
            LifetimeValidator = (notBefore, expires, _, _) => ValidLifetime(notBefore, expires),
            SaveSigninToken = false,
        };
    }

    /// <summary>The audience this validator accepts.</summary>
    public string Audience { get; }

    public void Dispose() => _cache?.Dispose();

    public async ValueTask<(AccessToken? Token, TokenFailure Failure)> ValidateAsync(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return (null, TokenFailure.Missing);
        }

        if (token.Length > _options.MaxTokenLength)
        {
            return (null, TokenFailure.Oversize);
        }

        object? cacheKey = _cache is null ? null : TokenDigest.Of(token);
        if (cacheKey is not null && TryGetCached(cacheKey, out var cached))
        {
            return (cached, TokenFailure.None);
        }

        AccessToken? parsed;
        TokenFailure failure;
        try
        {
            (parsed, failure) = Parse(token);
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json cannot transcode a name or value (a lone surrogate escape such as "\uD800").
            return (null, TokenFailure.Malformed);
        }

        if (parsed is null)
        {
            return (null, failure);
        }

        // Taken before verifying: a ring change during verification then drops the entry at once
        // instead of a fresh change token outliving the key (or issuer) the token was checked against.
        var revocation = cacheKey is null ? null : _keys.RevocationToken(parsed.KeyId);

        TokenValidationResult result;
        try
        {
            result = await _handler.ValidateTokenAsync(token, _parameters);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException or FormatException or OverflowException or JsonException)
        {
            return (null, TokenFailure.Rejected);
        }

        if (!result.IsValid)
        {
            return (null, TokenFailure.Rejected);
        }

        if (cacheKey is not null && revocation is { } revoked)
        {
            using var entry = _cache!.CreateEntry(cacheKey);
            entry.Value = parsed;
            entry.Size = 1;
            entry.AbsoluteExpiration = parsed.ExpiresAt;
            entry.ExpirationTokens.Add(revoked);
        }

        return (parsed, TokenFailure.None);
    }

    /// <summary>
    /// The validation of <paramref name="token"/> cached by an earlier call, if it is still within
    /// its lifetime: a hot token's whole path, without allocating (no substring of the header).
    /// </summary>
    public bool TryGetCached(ReadOnlySpan<char> token, [NotNullWhen(true)] out AccessToken? accessToken)
    {
        if (_cache is null || token.IsEmpty || token.Length > _options.MaxTokenLength)
        {
            accessToken = null;
            return false;
        }

        if (TokenDigest.Of(token) is not { } digest)
        {
            accessToken = null;
            return false;
        }

        return TryGetCached(digest, out accessToken);
    }

    private bool TryGetCached(object cacheKey, [NotNullWhen(true)] out AccessToken? accessToken)
    {
        if (_cache!.TryGetValue(cacheKey, out accessToken) && accessToken is not null && accessToken.ExpiresAt + _options.ClockSkew > _timeProvider.GetUtcNow())
        {
            return true;
        }

        accessToken = null;
        return false;
    }

    private bool ValidLifetime(DateTime? notBefore, DateTime? expires)
    {
        var now = _timeProvider.GetUtcNow();
        var skew = _options.ClockSkew;
        return expires is { } exp
            && now <= new DateTimeOffset(DateTime.SpecifyKind(exp, DateTimeKind.Utc)) + skew
            && (notBefore is not { } nbf || now >= new DateTimeOffset(DateTime.SpecifyKind(nbf, DateTimeKind.Utc)) - skew);
    }

    /// <summary>Shape, header and claims checks, before any cryptography.</summary>
    private (AccessToken? Token, TokenFailure Failure) Parse(string token)
    {
        var first = token.IndexOf('.', StringComparison.Ordinal);
        var second = first < 0 ? -1 : token.IndexOf('.', first + 1);
        if (first <= 0 || second <= first + 1 || second == token.Length - 1 || token.IndexOf('.', second + 1) >= 0)
        {
            return (null, TokenFailure.Malformed);
        }

        using var header = DecodeObject(token.AsSpan(0, first));
        using var payload = DecodeObject(token.AsSpan(first + 1, second - first - 1));
        if (header is null || payload is null || !IsBase64Url(token.AsSpan(second + 1)))
        {
            return (null, TokenFailure.Malformed);
        }

        var h = header.RootElement;
        foreach (var member in s_forbiddenHeaderMembers)
        {
            if (h.TryGetProperty(member, out _))
            {
                return (null, TokenFailure.Header);
            }
        }

        if (!IsString(h, "alg", "ES256") || !IsString(h, "typ", "at+jwt") || !h.TryGetProperty("kid", out var kidElement) || kidElement.ValueKind != JsonValueKind.String)
        {
            return (null, TokenFailure.Header);
        }

        var kid = kidElement.GetString()!;
        if (!_keys.Keys.ContainsKey(kid))
        {
            return (null, TokenFailure.UnknownKey);
        }

        var p = payload.RootElement;
        if (!TryString(p, "iss", required: true, out _) || !TryString(p, "aud", required: true, out _)
            || !TryString(p, "sub", required: true, out var subject) || !TryString(p, "jti", required: true, out var tokenId)
            || !TryString(p, "scope", required: true, out var scope) || !TryString(p, "creator", required: false, out var creator)
            || !TryString(p, "tier", required: false, out var tier)
            || !TryTime(p, "exp", required: true, out var expires) || !TryTime(p, "iat", required: true, out var issuedAt)
            || !TryTime(p, "nbf", required: false, out var notBefore))
        {
            return (null, TokenFailure.Claims);
        }

        var now = _timeProvider.GetUtcNow();
        if (subject!.Length == 0 || tokenId!.Length == 0
            || issuedAt > now + _options.ClockSkew
            || expires - issuedAt > _options.MaxLifetime
            || expires <= issuedAt
            || notBefore > expires
            || (creator is not null && !Identifiers.IsValid(creator)))
        {
            return (null, TokenFailure.Claims);
        }

        // A signature's malleated twin (r, n - s) verifies too; only the low-S one the origin signs is accepted.
        if (!EcdsaSignature.IsCanonical(token.AsSpan(second + 1)))
        {
            return (null, TokenFailure.Rejected);
        }

        var scopes = scope!.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToFrozenSet(StringComparer.Ordinal);
        return (new AccessToken(subject, creator, scopes, tier, expires, kid, tokenId!), TokenFailure.None);
    }

    private static JsonDocument? DecodeObject(ReadOnlySpan<char> part)
    {
        if (!IsBase64Url(part))
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(part);
        }
        catch (FormatException)
        {
            return null;
        }

        // JsonDocument checks UTF-8 only when a string is read; refuse invalid bytes up front.
        if (!Utf8.IsValid(bytes))
        {
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            return null;
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object || HasRepeatedMember(document.RootElement))
        {
            document.Dispose();
            return null;
        }

        return document;
    }

    /// <summary>Two parsers that disagree on which "alg" wins is how confusion attacks start: refuse repeats.</summary>
    private static bool HasRepeatedMember(JsonElement element)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!names.Add(property.Name))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsBase64Url(ReadOnlySpan<char> part)
    {
        if (part.IsEmpty)
        {
            return false;
        }

        foreach (var c in part)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsString(JsonElement element, string name, string expected)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.ValueEquals(expected);

    private static bool TryString(JsonElement element, string name, bool required, out string? value)
    {
        value = null;
        if (!element.TryGetProperty(name, out var property))
        {
            return !required;
        }

        if (property.ValueKind != JsonValueKind.String)
        {
            return false;
        }

        try
        {
            value = property.GetString();
            return value is not null && value.Length <= 256;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool TryTime(JsonElement element, string name, bool required, out DateTimeOffset value)
    {
        value = default;
        if (!element.TryGetProperty(name, out var property))
        {
            return !required;
        }

        // NumericDate: whole seconds since the epoch, within a sane range (no strings, floats or huge numbers).
        if (property.ValueKind != JsonValueKind.Number || !property.TryGetInt64(out var seconds) || seconds is < 0 or > 253_402_300_799)
        {
            return false;
        }

        value = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }
}

/// <summary>
/// The validation cache's key: the token's SHA-256, so the cache never holds a bearer token and an
/// attacker cannot reach a cached entry without the exact token. A struct of four longs hashes
/// and compares without the hex string the first version built on every request.
/// </summary>
internal readonly record struct TokenDigest(long A, long B, long C, long D)
{
    /// <summary>
    /// SHA-256 over the token's bytes, or null for a token that is not ASCII (no such token is
    /// ever valid, so it is never cached). The bytes are narrowed on the stack: a hot token's
    /// lookup allocates nothing but the boxed key.
    /// </summary>
    public static TokenDigest? Of(ReadOnlySpan<char> token)
    {
        // The default MaxTokenLength (4,096 characters) fits on the stack.
        byte[]? rented = null;
        var ascii = token.Length <= 4_096 ? stackalloc byte[token.Length] : (rented = ArrayPool<byte>.Shared.Rent(token.Length));
        try
        {
            if (Ascii.FromUtf16(token, ascii, out var written) != OperationStatus.Done)
            {
                return null;
            }

            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(ascii[..written], hash);
            var words = MemoryMarshal.Cast<byte, long>(hash);
            return new TokenDigest(words[0], words[1], words[2], words[3]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
