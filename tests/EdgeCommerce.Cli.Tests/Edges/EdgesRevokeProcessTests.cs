using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Cli.Tests.Infrastructure;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Edges;

/// <summary>
/// <c>edges revoke ID</c> and <c>edges allow ID</c> with the real CLI, against a real origin and a
/// real edge process over loopback sockets: the live edge's stream ends, nearest routing drops it
/// and it cannot come back, until it is allowed and reconnects by itself (its backoff, at most
/// Sync:MaxBackoff). Catches a revocation that only marks a flag while the stream lives on.
/// </summary>
public sealed class EdgesRevokeProcessTests
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task EdgesRevoke_LiveEdge_StreamEndsAndNearestDropsIt_EdgesAllow_LetsItBack()
    {
        // Arrange: a healthy edge, offered by nearest.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await using var edge = await origin.StartEdgeAsync("edge-revoked", "eu-west", data.Combine("edge"), cancellationToken);
        await edge.WaitForStatusAsync(static s => s.GetProperty("ready").GetBoolean(), s_bound, "first snapshot", cancellationToken);
        var url = edge.Address.GetLeftPart(UriPartial.Authority);
        await WaitAsync(origin, o => NearestUrlsAsync(o, cancellationToken), urls => urls.Any(u => u.StartsWith(url, StringComparison.Ordinal)), "offered by nearest", cancellationToken);
        string[] connection = ["--origin", origin.HttpAddress.GetLeftPart(UriPartial.Authority), "--token", origin.AdminToken];

        // Act
        var revoke = await CliRun.RunAsync(["edges", "revoke", "edge-revoked", .. connection], data.Path, cancellationToken);
        var gone = await WaitAsync(origin, o => EdgeAsync(o, cancellationToken), static e => !e.GetProperty("connected").GetBoolean(), "stream ended", cancellationToken);
        var offeredRevoked = await NearestUrlsAsync(origin, cancellationToken);
        var listed = await CliRun.RunAsync(["edges", .. connection], data.Path, cancellationToken);
        // It keeps trying (its backoff), and stays out.
        var behind = await origin.PushCatalogAsync("while-revoked", OriginNode.SimpleCatalog("while revoked"), cancellationToken);
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var stillOut = await EdgeAsync(origin, cancellationToken);
        var allow = await CliRun.RunAsync(["edges", "allow", "edge-revoked", .. connection], data.Path, cancellationToken);
        var back = await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= behind, s_bound, "sync after allow", cancellationToken);
        await WaitAsync(origin, o => NearestUrlsAsync(o, cancellationToken), urls => urls.Any(u => u.StartsWith(url, StringComparison.Ordinal)), "offered again", cancellationToken);

        // Assert
        Assert.True(revoke.ExitCode == 0, revoke.ToString());
        Assert.True(gone.GetProperty("revoked").GetBoolean());
        Assert.DoesNotContain(offeredRevoked, u => u.StartsWith(url, StringComparison.Ordinal));
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Contains("revoked", listed.Out, StringComparison.Ordinal);
        Assert.False(stillOut.GetProperty("connected").GetBoolean());
        Assert.True(stillOut.GetProperty("appliedRevision").GetInt64() < behind);
        Assert.Contains("PermissionDenied", edge.Output, StringComparison.Ordinal);
        Assert.True(allow.ExitCode == 0, allow.ToString());
        Assert.True(back.GetProperty("appliedRevision").GetInt64() >= behind);
    }

    [Fact]
    public async Task EdgesRevoke_UnknownEdge_ExitsOneWithTheProblem()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);

        // Act
        var revoke = await CliRun.RunAsync(["edges", "revoke", "never-seen", "--origin", origin.HttpAddress.GetLeftPart(UriPartial.Authority), "--token", origin.AdminToken],
            data.Path, cancellationToken);

        // Assert
        Assert.True(revoke.ExitCode == 1, revoke.ToString());
        Assert.Contains("No such edge", revoke.Error, StringComparison.Ordinal);
    }

    private static async Task<List<string>> NearestUrlsAsync(OriginNode origin, CancellationToken cancellationToken)
    {
        var body = await origin.Http.GetFromJsonAsync<JsonElement>("/v1/edges/nearest", cancellationToken);
        return [.. body.GetProperty("edges").EnumerateArray().Select(static e => e.GetProperty("url").GetString()!)];
    }

    private static async Task<JsonElement> EdgeAsync(OriginNode origin, CancellationToken cancellationToken)
    {
        var body = await origin.Http.GetFromJsonAsync<JsonElement>("/admin/v1/edges", cancellationToken);
        return body.GetProperty("edges").EnumerateArray().Single(static e => e.GetProperty("id").GetString() == "edge-revoked");
    }

    private static async Task<T> WaitAsync<T>(OriginNode origin, Func<OriginNode, Task<T>> read, Func<T, bool> condition, string what, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read(origin);
            if (condition(value))
            {
                return value;
            }

            Assert.True(clock.Elapsed < s_bound, $"{what} did not happen within {s_bound}.\n{origin.Output}");
            await Task.Delay(50, cancellationToken);
        }
    }
}
