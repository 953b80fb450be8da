using System.Diagnostics.Metrics;
using System.Net;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>
/// The failed-authentication limit per client network, through the authenticator as the token
/// middleware calls it: after the limit, a client network's uncached tokens are refused without a
/// signature check, while other networks and tokens validated before keep working.
/// </summary>
public sealed class FailedAuthenticationLimiterTests : IDisposable
{
    private const int Limit = 3;

    private static readonly IPAddress s_attacker = IPAddress.Parse("203.0.113.7");
    private static readonly IPAddress s_viewer = IPAddress.Parse("198.51.100.20");

    // The validation cache's MemoryCache expires entries on the system clock: start the fake one there.
    private readonly FakeTimeProvider _time = new(DateTimeOffset.FromUnixTimeSeconds(TimeProvider.System.GetUtcNow().ToUnixTimeSeconds()));
    private readonly TokenFactory _tokens = new();
    private readonly CountingCryptoProviderFactory _verifications = new();
    private readonly SigningKeyRing _ring = new();
    private readonly AccessTokenValidator _validator;
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly AccessTokenAuthenticator _authenticator;

    public FailedAuthenticationLimiterTests()
    {
        _tokens.PublicKey.CryptoProviderFactory = _verifications;
        _ring.Replace(TokenFactory.Issuer, _tokens.Ring);
        var options = Options.Create(new AccessTokenOptions { FailedAuthenticationLimit = Limit, FailedAuthenticationWindow = TimeSpan.FromSeconds(10) });
        _validator = new AccessTokenValidator(Audiences.Edge, _ring, options, _time);
        _authenticator = new AccessTokenAuthenticator(_validator, new FailedAuthenticationLimiter(options, _time), new AuthenticationMetrics(_services.GetRequiredService<IMeterFactory>()),
            NullLogger<AccessTokenAuthenticator>.Instance);
    }

    [Fact]
    public async Task AuthenticateAsync_OverTheLimit_RefusesUncheckedTokensFromThatNetworkOnly()
    {
        // Arrange: a viewer's token validated (and cached) before the flood, from the attacker's network too.
        using var throttled = new MetricCollector<long>(_services.GetRequiredService<IMeterFactory>(), AuthenticationMetrics.MeterName, "edgecommerce.auth.token.throttled");
        var cachedEarlier = _tokens.Mint(_time.GetUtcNow(), subject: "viewer-cached");
        Assert.NotNull(await AuthenticateAsync(cachedEarlier, s_attacker));
        var forged = Forge(_tokens.Mint(_time.GetUtcNow(), subject: "victim"));
        for (var i = 0; i < Limit; i++)
        {
            Assert.Null(await AuthenticateAsync(forged, s_attacker));
        }

        var verifiedBefore = _verifications.Verifiers;

        // Act
        var flood = await AuthenticateAsync(forged, s_attacker);
        var freshFromAttacker = await AuthenticateAsync(_tokens.Mint(_time.GetUtcNow(), subject: "viewer-fresh"), s_attacker);
        var cachedFromAttacker = await AuthenticateAsync(cachedEarlier, s_attacker);
        var freshFromViewer = await AuthenticateAsync(_tokens.Mint(_time.GetUtcNow(), subject: "viewer-other"), s_viewer);

        // Assert: nothing from the attacker's network reached a signature check (the viewer's fresh token did).
        Assert.Null(flood);
        Assert.Null(freshFromAttacker);
        Assert.NotNull(cachedFromAttacker);
        Assert.NotNull(freshFromViewer);
        Assert.Equal(verifiedBefore + 1, _verifications.Verifiers);
        Assert.Equal(2, throttled.GetMeasurementSnapshot().Sum(static m => m.Value));
    }

    [Fact]
    public async Task AuthenticateAsync_NextWindow_ChecksTokensFromThatNetworkAgain()
    {
        // Arrange
        var forged = Forge(_tokens.Mint(_time.GetUtcNow()));
        for (var i = 0; i < Limit; i++)
        {
            await AuthenticateAsync(forged, s_attacker);
        }

        var refusedUnchecked = await AuthenticateAsync(_tokens.Mint(_time.GetUtcNow(), subject: "before"), s_attacker);

        // Act
        _time.Advance(TimeSpan.FromSeconds(10));
        var afterWindow = await AuthenticateAsync(_tokens.Mint(_time.GetUtcNow(), subject: "after"), s_attacker);

        // Assert
        Assert.Null(refusedUnchecked);
        Assert.NotNull(afterWindow);
    }

    [Fact]
    public void IsOverLimit_SameIpv6Slash64_SharesOneBudget_OtherSlash64DoesNot()
    {
        // Arrange: a caller rotating through its /64 is one client network.
        var limiter = new FailedAuthenticationLimiter(Options.Create(new AccessTokenOptions { FailedAuthenticationLimit = Limit }), _time);
        for (var i = 1; i <= Limit; i++)
        {
            limiter.RecordFailure(IPAddress.Parse($"2001:db8:1:2::{i:x}"));
        }

        // Act
        var sameSlash64 = limiter.IsOverLimit(IPAddress.Parse("2001:db8:1:2:ffff::1"));
        var otherSlash64 = limiter.IsOverLimit(IPAddress.Parse("2001:db8:1:3::1"));

        // Assert
        Assert.True(sameSlash64);
        Assert.False(otherSlash64);
    }

    [Fact]
    public void IsOverLimit_FloodSpreadOverManyNetworks_RefusesFewNetworksThatNeverFailed()
    {
        // Arrange: 10,000 networks, each one failure short of the default limit (290,000 failures,
        // about what two cores can verify in one window). Caught while it was built: a sketch of
        // 8,192 slots refused most networks that had never failed.
        const int DefaultLimit = 30;
        var limiter = new FailedAuthenticationLimiter(Options.Create(new AccessTokenOptions { FailedAuthenticationLimit = DefaultLimit }), _time);
        for (var n = 0; n < 10_000; n++)
        {
            var address = new IPAddress(BitConverter.GetBytes(0x0A000000 + n));
            for (var i = 0; i < DefaultLimit - 1; i++)
            {
                limiter.RecordFailure(address);
            }
        }

        // Act
        var innocentRefused = Enumerable.Range(0, 1_000).Count(n => limiter.IsOverLimit(new IPAddress(BitConverter.GetBytes(0x64000000 + n))));

        // Assert: about 1 in 700 is expected (both of its slots shared with two flooders each).
        Assert.InRange(innocentRefused, 0, 20);
    }

    public void Dispose()
    {
        _validator.Dispose();
        _services.Dispose();
        _tokens.Dispose();
    }

    private static string Forge(string token) => token[..^4] + (token.EndsWith("AAAA", StringComparison.Ordinal) ? "BBBB" : "AAAA");

    private async Task<AccessTokenPrincipal?> AuthenticateAsync(string token, IPAddress from)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = from;
        context.Request.Headers.Authorization = "Bearer " + token;
        return await _authenticator.AuthenticateAsync(context.Request);
    }
}
