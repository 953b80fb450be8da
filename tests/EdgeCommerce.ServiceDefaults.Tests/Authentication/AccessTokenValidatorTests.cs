using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>The validator built directly: its cache, revocation, rotation and issuer binding.</summary>
public sealed class AccessTokenValidatorTests : IDisposable
{
    private const string OtherIssuer = "https://other-origin.edgecommerce.test";

    // The cache's MemoryCache expires entries on the system clock: start the fake one there.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds()));
    private readonly TokenFactory _tokens = new();
    private readonly CountingCryptoProviderFactory _verifications = new();
    private readonly SigningKeyRing _ring = new();
    private readonly List<IDisposable> _disposables = [];

    public AccessTokenValidatorTests()
    {
        _tokens.PublicKey.CryptoProviderFactory = _verifications;
        _ring.Replace(TokenFactory.Issuer, _tokens.Ring);
    }

    [Fact]
    public async Task ValidateAsync_GoodToken_ReturnsItsClaims()
    {
        // Arrange
        var validator = Validator();
        var token = _tokens.Mint(_time.GetUtcNow(), scope: "recs:read drop:rsvp");

        // Act
        var (accessToken, failure) = await validator.ValidateAsync(token);

        // Assert
        Assert.Equal(TokenFailure.None, failure);
        Assert.NotNull(accessToken);
        Assert.Equal("viewer-1", accessToken.Subject);
        Assert.Equal(TokenFactory.CreatorA, accessToken.CreatorId);
        Assert.Equal(["drop:rsvp", "recs:read"], accessToken.Scopes.Order(StringComparer.Ordinal));
        Assert.Equal("gold", accessToken.Tier);
        Assert.Equal(_time.GetUtcNow().AddMinutes(10), accessToken.ExpiresAt);
        Assert.Equal(_tokens.KeyId, accessToken.KeyId);
        Assert.False(string.IsNullOrEmpty(accessToken.TokenId));
    }

    [Fact]
    public async Task ValidateAsync_CacheHit_DoesNotVerifySignatureAgain()
    {
        // Arrange
        var validator = Validator();
        var token = _tokens.Mint(_time.GetUtcNow());
        var (first, _) = await validator.ValidateAsync(token);
        var verifiedOnce = _verifications.Verifiers;

        // Act
        var (second, failure) = await validator.ValidateAsync(token);

        // Assert
        Assert.Equal(1, verifiedOnce);
        Assert.Equal(TokenFailure.None, failure);
        Assert.Same(first, second);
        Assert.Equal(1, _verifications.Verifiers);
    }

    [Fact]
    public async Task ValidateAsync_CacheDisabled_VerifiesEveryTime()
    {
        // Arrange
        var validator = Validator(new AccessTokenOptions { ValidationCacheSize = 0 });
        var token = _tokens.Mint(_time.GetUtcNow());
        var (first, _) = await validator.ValidateAsync(token);

        // Act
        var (second, failure) = await validator.ValidateAsync(token);

        // Assert
        Assert.Equal(TokenFailure.None, failure);
        Assert.NotSame(first, second);
        Assert.Equal(2, _verifications.Verifiers);
    }

    [Fact]
    public async Task ValidateAsync_KeyRemovedFromRing_CachedTokenRefusedAtOnce()
    {
        // Arrange
        var validator = Validator();
        var token = _tokens.Mint(_time.GetUtcNow());
        Assert.NotNull((await validator.ValidateAsync(token)).Token);

        // Act: revoke by publishing a ring without the key.
        _ring.Replace(TokenFactory.Issuer, new Dictionary<string, SecurityKey>());
        var (accessToken, failure) = await validator.ValidateAsync(token);

        // Assert
        Assert.Null(accessToken);
        Assert.Equal(TokenFailure.UnknownKey, failure);
    }

    [Fact]
    public async Task ValidateAsync_CacheHitPastExpiryPlusSkew_Refused()
    {
        // Arrange: cached at issue time; exp is 10 minutes later, the skew 30 s.
        var validator = Validator();
        var token = _tokens.Mint(_time.GetUtcNow());
        var (cached, _) = await validator.ValidateAsync(token);
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(29));
        var (stillCached, _) = await validator.ValidateAsync(token);

        // Act
        _time.Advance(TimeSpan.FromSeconds(2));
        var (accessToken, failure) = await validator.ValidateAsync(token);

        // Assert
        Assert.Same(cached, stillCached);
        Assert.Null(accessToken);
        Assert.Equal(TokenFailure.Rejected, failure);
    }

    [Fact]
    public async Task ValidateAsync_RingIssuerDiffersFromToken_Refused()
    {
        // Arrange: a ring that trusts the same key for another issuer.
        var ring = new SigningKeyRing();
        ring.Replace(OtherIssuer, _tokens.Ring);
        var validator = Validator(ring: ring);

        // Act
        var (accessToken, failure) = await validator.ValidateAsync(_tokens.Mint(_time.GetUtcNow()));

        // Assert
        Assert.Null(accessToken);
        Assert.Equal(TokenFailure.Rejected, failure);
    }

    [Fact]
    public async Task ValidateAsync_RingIssuerChangedAfterCaching_SameTokenRefused()
    {
        // Arrange
        var validator = Validator();
        var token = _tokens.Mint(_time.GetUtcNow());
        Assert.NotNull((await validator.ValidateAsync(token)).Token);

        // Act: same key, new issuer: tokens naming the old issuer are no longer acceptable.
        _ring.Replace(OtherIssuer, _tokens.Ring);
        var (accessToken, failure) = await validator.ValidateAsync(token);

        // Assert
        Assert.Null(accessToken);
        Assert.Equal(TokenFailure.Rejected, failure);
    }

    [Fact]
    public async Task ValidateAsync_KeyMaterialReplacedUnderSameKid_CachedTokenRefused()
    {
        // Arrange
        var validator = Validator();
        var token = _tokens.Mint(_time.GetUtcNow());
        Assert.NotNull((await validator.ValidateAsync(token)).Token);
        using var replacement = new TokenFactory(_tokens.KeyId);

        // Act: the kid stays, the key behind it does not.
        _ring.Replace(TokenFactory.Issuer, replacement.Ring);
        var (accessToken, failure) = await validator.ValidateAsync(token);

        // Assert
        Assert.Null(accessToken);
        Assert.Equal(TokenFailure.Rejected, failure);
    }

    [Fact]
    public async Task ValidateAsync_KeyReplacedDuringVerification_ResultNotCached()
    {
        // Arrange: the key behind the kid changes while the signature is being checked (after
        // the old key was resolved), so this validation succeeds but must not be cached.
        var validator = Validator();
        var token = _tokens.Mint(_time.GetUtcNow());
        using var replacement = new TokenFactory(_tokens.KeyId);
        _verifications.OnVerify = () =>
        {
            _verifications.OnVerify = null;
            _ring.Replace(TokenFactory.Issuer, replacement.Ring);
        };
        var inFlight = await validator.ValidateAsync(token);

        // Act
        var (accessToken, failure) = await validator.ValidateAsync(token);

        // Assert: checked again against the new key, not served from the cache.
        Assert.Equal(TokenFailure.None, inFlight.Failure);
        Assert.Null(accessToken);
        Assert.Equal(TokenFailure.Rejected, failure);
    }

    [Fact]
    public async Task ValidateAsync_RingRepublishedWithEqualKeyObjects_CacheKept()
    {
        // Arrange: an edge rebuilds key objects from each sync message; equal keys revoke nothing.
        var validator = Validator();
        var token = _tokens.Mint(_time.GetUtcNow());
        var (cached, _) = await validator.ValidateAsync(token);
        var sameKey = new ECDsaSecurityKey(System.Security.Cryptography.ECDsa.Create(_tokens.PublicKey.ECDsa.ExportParameters(false))) { KeyId = _tokens.KeyId };
        _disposables.Add(sameKey.ECDsa);

        // Act
        _ring.Replace(TokenFactory.Issuer, new Dictionary<string, SecurityKey> { [_tokens.KeyId] = sameKey });
        var (accessToken, failure) = await validator.ValidateAsync(token);

        // Assert
        Assert.Equal(TokenFailure.None, failure);
        Assert.Same(cached, accessToken);
        Assert.Equal(1, _verifications.Verifiers);
    }

    [Fact]
    public async Task ValidateAsync_RotationOverlap_OldKeyTokensValidUntilOldKeyLeaves()
    {
        // Arrange
        var validator = Validator();
        using var next = new TokenFactory("key-2025-02");
        var oldToken = _tokens.Mint(_time.GetUtcNow());
        var (cachedOld, _) = await validator.ValidateAsync(oldToken);

        // Act 1: publish the new key beside the old one.
        _ring.Replace(TokenFactory.Issuer, new Dictionary<string, SecurityKey> { [_tokens.KeyId] = _tokens.PublicKey, [next.KeyId] = next.PublicKey });
        var oldDuringOverlap = await validator.ValidateAsync(oldToken);
        var newDuringOverlap = await validator.ValidateAsync(next.Mint(_time.GetUtcNow()));

        // Act 2: retire the old key.
        _ring.Replace(TokenFactory.Issuer, next.Ring);
        var oldAfter = await validator.ValidateAsync(oldToken);
        var newAfter = await validator.ValidateAsync(next.Mint(_time.GetUtcNow()));

        // Assert
        Assert.Same(cachedOld, oldDuringOverlap.Token);
        Assert.Equal(TokenFailure.None, newDuringOverlap.Failure);
        Assert.Equal(TokenFailure.UnknownKey, oldAfter.Failure);
        Assert.Equal(TokenFailure.None, newAfter.Failure);
    }

    [Fact]
    public async Task ValidateAsync_LengthAtAndOverCap_AcceptedThenRefused()
    {
        // Arrange
        var token = _tokens.Mint(_time.GetUtcNow());
        var atCap = Validator(new AccessTokenOptions { MaxTokenLength = token.Length });
        var belowCap = Validator(new AccessTokenOptions { MaxTokenLength = token.Length - 1 });

        // Act
        var accepted = await atCap.ValidateAsync(token);
        var refused = await belowCap.ValidateAsync(token);

        // Assert
        Assert.Equal(TokenFailure.None, accepted.Failure);
        Assert.Equal(TokenFailure.Oversize, refused.Failure);
        Assert.Equal(1, _verifications.Verifiers);
    }

    [Fact]
    public async Task ValidateAsync_EmptyRing_RefusesEverything()
    {
        // Arrange: before the origin's keys arrive.
        var validator = Validator(ring: new SigningKeyRing());

        // Act
        var (accessToken, failure) = await validator.ValidateAsync(_tokens.Mint(_time.GetUtcNow()));

        // Assert
        Assert.Null(accessToken);
        Assert.Equal(TokenFailure.UnknownKey, failure);
    }

    [Fact]
    public async Task ValidateAsync_KeyWithEmptyIssuer_Refused()
    {
        // Arrange: a ring with the key but no issuer matches nothing, not even an empty iss.
        var ring = new SigningKeyRing();
        ring.Replace("", _tokens.Ring);
        var validator = Validator(ring: ring);

        // Act
        var (accessToken, failure) = await validator.ValidateAsync(_tokens.Mint(_time.GetUtcNow(), issuer: ""));

        // Assert
        Assert.Null(accessToken);
        Assert.NotEqual(TokenFailure.None, failure);
    }

    [Theory]
    [InlineData(null, TokenFailure.Missing)]
    [InlineData("", TokenFailure.Missing)]
    [InlineData("a.b", TokenFailure.Malformed)]
    [InlineData("e30.e30.e30", TokenFailure.Header)]
    public async Task ValidateAsync_Defect_ReportsFailureReason(string? token, TokenFailure expected)
    {
        // Arrange
        var validator = Validator();

        // Act
        var (accessToken, failure) = await validator.ValidateAsync(token);

        // Assert
        Assert.Null(accessToken);
        Assert.Equal(expected, failure);
    }

    [Fact]
    public async Task ValidateAsync_ParallelCallsOnOneToken_AllAccepted()
    {
        // Arrange
        var validator = Validator();
        var token = _tokens.Mint(_time.GetUtcNow());

        // Act
        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => validator.ValidateAsync(token).AsTask()));

        // Assert
        Assert.All(results, static result => Assert.Equal(TokenFailure.None, result.Failure));
    }

    [Fact]
    public async Task ValidateAsync_SignatureWithNonZeroUnusedBits_Refused()
    {
        // Arrange: 64 signature bytes take 86 base64url characters; the last one carries 4 bits
        // and 2 unused ones. A lenient decoder would read the same signature from this other
        // text, giving one token several spellings (and several cache entries): it is refused.
        var validator = Validator(new AccessTokenOptions { ValidationCacheSize = 0 });
        var token = _tokens.Raw(_time.GetUtcNow());
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var last = alphabet.IndexOf(token[^1], StringComparison.Ordinal);
        var variant = token[..^1] + alphabet[last ^ 0x01];

        // Act
        var (accessToken, failure) = await validator.ValidateAsync(variant);

        // Assert
        Assert.Null(accessToken);
        Assert.Equal(TokenFailure.Rejected, failure);
    }

    [Fact]
    public async Task IdentityModel_ValidTypes_ComparedOrdinal()
    {
        // Arrange: documents why typ "at+JWT" is refused twice over (our pre-parse compares
        // ordinally, and so does IdentityModel's ValidTypes check in 8.23).
        var handler = new JsonWebTokenHandler();
        var header = _tokens.Header();
        header["typ"] = "at+JWT";
        var token = _tokens.Sign(header, TokenFactory.Payload(_time.GetUtcNow()));
        var parameters = new TokenValidationParameters
        {
            ValidTypes = ["at+jwt"],
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            IssuerSigningKey = _tokens.PublicKey,
        };

        // Act
        var result = await handler.ValidateTokenAsync(token, parameters);

        // Assert
        Assert.False(result.IsValid);
        Assert.IsType<SecurityTokenInvalidTypeException>(result.Exception);
    }

    public void Dispose()
    {
        foreach (var disposable in _disposables)
        {
            disposable.Dispose();
        }

        _tokens.Dispose();
    }

    private AccessTokenValidator Validator(AccessTokenOptions? options = null, SigningKeyRing? ring = null)
    {
        var validator = new AccessTokenValidator(Audiences.Edge, ring ?? _ring, Options.Create(options ?? new AccessTokenOptions()), _time);
        _disposables.Add(validator);
        return validator;
    }
}
