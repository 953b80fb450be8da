using System.Text.Json;
using EdgeCommerce.ServiceDefaults.Authentication;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>
/// The adversarial suite against an in-memory host: every case asserts the exact status, the
/// fixed 401/403 body and headers, that the answer carries nothing of the token and that no log
/// line (Trace level, plus IdentityModel's own log) contains it.
/// </summary>
public sealed class AccessTokenAuthenticationHandlerTests(AuthProbeFixture fixture) : IClassFixture<AuthProbeFixture>
{
    public static TheoryData<string> Cases => new(AdversarialCases.All.Keys.Order(StringComparer.Ordinal));

    /// <summary>Clock offsets from T0 for a token with iat T0, nbf T0+120 s, exp T0+600 s and a 30 s skew.</summary>
    public static TheoryData<int, bool> LifetimeBoundaries => new()
    {
        { 89, false },  // nbf − 31 s
        { 90, true },   // nbf − 30 s
        { 91, true },   // nbf − 29 s
        { 629, true },  // exp + 29 s
        { 630, true },  // exp + 30 s
        { 631, false }, // exp + 31 s
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Get_AdversarialCase_AnswersExactlyAsExpected(string name)
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var host = fixture.Host;
        var probe = AdversarialCases.All[name](host);

        // Act
        var response = await host.GetAsync(probe.Path, probe.Authorization, ct, probe.Headers);

        // Assert
        await ProbeAssert.AnswersAsync(host, probe, response, ct);
    }

    [Fact]
    public void Cases_Count_AtLeastForty()
    {
        // Arrange / Act
        var count = AdversarialCases.All.Count;

        // Assert
        Assert.True(count >= 40, $"{count} cases");
    }

    [Fact]
    public async Task Get_TwoAuthorizationLines_TransportDeliversBoth()
    {
        // Arrange: proves Header_TwoAuthorizationLines is refused for having two lines, not for having none.
        var ct = TestContext.Current.CancellationToken;
        var host = fixture.Host;
        var token = host.Tokens.Raw(host.Now);

        // Act
        var response = await host.GetAsync(AdversarialCases.Public, new([$"Bearer {token}", $"Bearer {token}"]), ct);

        // Assert
        Assert.Equal(200, response.StatusCode);
        using var body = JsonDocument.Parse(response.Body);
        Assert.Equal(2, body.RootElement.GetProperty("authorizationLines").GetInt32());
    }

    [Fact]
    public async Task Get_GoodTokenTwice_SecondAnswerFromCacheIsIdentical()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var host = fixture.Host;
        var authorization = $"Bearer {host.Tokens.Mint(host.Now, tier: null)}";

        // Act
        var first = await host.GetAsync(AdversarialCases.Recs, authorization, ct);
        var second = await host.GetAsync(AdversarialCases.Recs, authorization, ct);

        // Assert
        Assert.Equal(200, first.StatusCode);
        Assert.Equal(200, second.StatusCode);
        Assert.Equal("""{"subject":"viewer-1","creator":"creator-a"}""", first.Body);
        Assert.Equal(first.Body, second.Body);
    }

    [Fact]
    public async Task Get_EveryTruncationOfGoodToken_Unauthorized()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var host = fixture.Host;
        var token = host.Tokens.Raw(host.Now);

        for (var length = 1; length < token.Length; length++)
        {
            // Act
            var response = await host.GetAsync(AdversarialCases.Recs, $"Bearer {token[..length]}", ct);

            // Assert
            ProbeAssert.Unauthorized(response);
        }

        ProbeAssert.NotLogged(host.Logs, token);
    }

    [Fact]
    public async Task Get_EverySingleCharacterChangeOfGoodToken_Unauthorized()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        var host = fixture.Host;
        var token = host.Tokens.Raw(host.Now);

        // The last character of the signature also carries 2 unused bits: changing only those
        // bits decodes to the same signature (see AccessTokenValidatorTests), so it is skipped here.
        for (var index = 0; index < token.Length - 1; index++)
        {
            var chars = token.ToCharArray();
            chars[index] = chars[index] switch { 'A' => 'B', '.' => 'A', _ => 'A' };

            // Act
            var response = await host.GetAsync(AdversarialCases.Recs, $"Bearer {new string(chars)}", ct);

            // Assert
            Assert.True(response.StatusCode == 401, $"index {index}: {response.StatusCode}");
            ProbeAssert.Unauthorized(response);
        }
    }

    [Theory]
    [MemberData(nameof(LifetimeBoundaries))]
    public async Task Get_ClockAtLifetimeBoundary_AcceptedOnlyWithinSkew(int secondsAfterIssue, bool accepted)
    {
        // Arrange: a host of its own, so nothing is cached and the clock can move.
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AuthProbeHost.StartAsync(ct);
        var t0 = host.Now.ToUnixTimeSeconds();
        var payload = TokenFactory.Payload(host.Now);
        payload["nbf"] = t0 + 120;
        payload["exp"] = t0 + 600;
        var token = host.Tokens.Sign(host.Tokens.Header(), payload);
        host.Time.Advance(TimeSpan.FromSeconds(secondsAfterIssue));

        // Act
        var response = await host.GetAsync(AdversarialCases.Recs, $"Bearer {token}", ct);

        // Assert
        if (accepted)
        {
            Assert.Equal(200, response.StatusCode);
        }
        else
        {
            ProbeAssert.Unauthorized(response);
        }

        ProbeAssert.NotLogged(host.Logs, token);
    }

    [Fact]
    public async Task Get_WholeSuiteOnFreshHost_NoLogLineContainsAnyToken()
    {
        // Arrange: every case again on a host of its own, so its log holds exactly this suite.
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AuthProbeHost.StartAsync(ct);
        var tokens = new List<string>();

        // Act
        foreach (var (_, build) in AdversarialCases.All)
        {
            var probe = build(host);
            var response = await host.GetAsync(probe.Path, probe.Authorization, ct, probe.Headers);
            Assert.NotEqual(500, response.StatusCode);
            if (probe.Token is not null)
            {
                tokens.Add(probe.Token);
            }
        }

        // Assert: the capture works (the refusals' reason classes and the challenges are there) and holds no token.
        var lines = host.Logs.Lines;
        Assert.Contains(lines, static line => line.StartsWith("Trace ", StringComparison.Ordinal) || line.StartsWith("Debug ", StringComparison.Ordinal));
        Assert.Contains(lines, static line => line.Contains("A bearer token was refused (", StringComparison.Ordinal));
        Assert.Contains(lines, static line => line.Contains(AccessTokenAuthenticationHandler.SchemeName + " was challenged", StringComparison.Ordinal));
        Assert.Contains(LogCapture.IdentityModelLines, static line => line.Contains("IDX", StringComparison.Ordinal));
        foreach (var token in tokens)
        {
            ProbeAssert.NotLogged(host.Logs, token);
        }

        ProbeAssert.NoErrorLogged(host.Logs);
    }
}
