using System.Text.Json;
using EdgeCommerce.Cli.Tests.Infrastructure;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Keys;

/// <summary><c>token</c> and <c>keys</c> against a real origin process.</summary>
public sealed class TokenAndKeysProcessTests(OriginProcessFixture origin) : IClassFixture<OriginProcessFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    [Fact]
    public async Task Token_ValidRequest_PrintsAnAtJwtWithTheAskedClaims()
    {
        // Act
        var run = await CliRun.RunAsync(["token", "--scope", "recs:read drop:reserve", "--creator", "cli-creator", "--sub", "viewer-7", "--tier", "gold", "--origin", origin.Url, "--token", origin.AdminToken],
            _work.Path, TestContext.Current.CancellationToken);

        // Assert
        Assert.True(run.ExitCode == 0, run.ToString());
        var parts = run.Out.Trim().Split('.');
        Assert.Equal(3, parts.Length);
        using var header = JsonDocument.Parse(Decode(parts[0]));
        using var payload = JsonDocument.Parse(Decode(parts[1]));
        Assert.Equal("at+jwt", header.RootElement.GetProperty("typ").GetString());
        Assert.Equal("ES256", header.RootElement.GetProperty("alg").GetString());
        Assert.Equal("viewer-7", payload.RootElement.GetProperty("sub").GetString());
        Assert.Equal("cli-creator", payload.RootElement.GetProperty("creator").GetString());
        Assert.Equal("recs:read drop:reserve", payload.RootElement.GetProperty("scope").GetString());
        Assert.Equal("gold", payload.RootElement.GetProperty("tier").GetString());
        Assert.Equal("edgecommerce:edge", payload.RootElement.GetProperty("aud").GetString());
        Assert.Contains("expires ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_UnknownScopeOrPlatformWithCreator_ExitsOneWithTheProblem()
    {
        // Act
        var unknown = await CliRun.RunAsync(["token", "--scope", "recs:write", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, TestContext.Current.CancellationToken);
        var platformForCreator = await CliRun.RunAsync(["token", "--scope", "admin:platform", "--creator", "c1", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, TestContext.Current.CancellationToken);
        var noScope = await CliRun.RunAsync(["token", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, TestContext.Current.CancellationToken);

        // Assert
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Contains("scopes", unknown.Error, StringComparison.Ordinal);
        Assert.True(platformForCreator.ExitCode == 1, platformForCreator.ToString());
        Assert.Empty(unknown.Out);
        Assert.True(noScope.ExitCode == 2, noScope.ToString());
    }

    [Fact]
    public async Task KeysRotate_AfterATokenExists_PublishesASecondKeyAndListShowsBoth()
    {
        // Arrange: the first token creates the first key.
        var cancellationToken = TestContext.Current.CancellationToken;
        var first = await CliRun.RunAsync(["token", "--scope", "recs:read", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);
        var before = await CliRun.RunAsync(["keys", "list", "--json", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);

        // Act
        var rotate = await CliRun.RunAsync(["keys", "rotate", "--json", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);
        var after = await CliRun.RunAsync(["keys", "list", "--json", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);
        var revokeUnknown = await CliRun.RunAsync(["keys", "revoke", "no-such-key", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);

        // Assert
        Assert.True(first.ExitCode == 0 && before.ExitCode == 0 && rotate.ExitCode == 0 && after.ExitCode == 0, $"{first}\n{before}\n{rotate}\n{after}");
        var newKey = JsonDocument.Parse(rotate.Out).RootElement.GetProperty("keyId").GetString();
        var keys = JsonDocument.Parse(after.Out).RootElement.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(JsonDocument.Parse(before.Out).RootElement.GetProperty("keys").GetArrayLength() + 1, keys.Count);
        Assert.Contains(keys, key => key.GetProperty("keyId").GetString() == newKey && key.GetProperty("retireAt").ValueKind == JsonValueKind.Null);
        Assert.True(revokeUnknown.ExitCode == 1, revokeUnknown.ToString());
    }

    public void Dispose() => _work.Dispose();

    private static byte[] Decode(string part)
    {
        var padded = part.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        return Convert.FromBase64String(padded);
    }
}
