using System.Text.Json;
using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Demo;
using EdgeCommerce.Cli.Tests.Infrastructure;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Catalog;

/// <summary>The real CLI against a real origin process, over real sockets.</summary>
public sealed class CatalogPushProcessTests(OriginProcessFixture origin) : IClassFixture<OriginProcessFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    [Fact]
    public async Task CatalogPush_ValidFile_PrintsRevisionAndETagAndStoresIt()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var file = await WriteAsync("demo.json", Json(DemoCatalogs.Create()[0].Catalog));

        // Act
        var push = await CliRun.RunAsync(["catalog", "push", file, "--create", "--creator", "push-valid", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);
        var get = await CliRun.RunAsync(["catalog", "get", "--json", "--creator", "push-valid", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);
        var creators = await CliRun.RunAsync(["creators", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);

        // Assert
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Matches(@"revision (\d+), ETag ""r\1""", push.Out);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Contains("nova-hoodie-01", get.Out, StringComparison.Ordinal);
        Assert.Contains("ETag \"r", get.Error, StringComparison.Ordinal);
        Assert.True(creators.ExitCode == 0, creators.ToString());
        Assert.Contains("push-valid", creators.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogPush_InvalidFile_ExitsOneAndPrintsEachErrorPath()
    {
        // Arrange
        var file = await WriteAsync("bad.json", """
            {"products": [{"id": "hoodie-01", "title": "Tour hoodie", "price": {"amountMinor": 5900, "currency": "EURO"},
              "skus": [{"id": "hoodie-01-m", "label": "M"}]},
              {"id": "cap-01", "title": "", "price": {"amountMinor": 100, "currency": "EUR"}, "skus": [{"id": "hoodie-01-m", "label": "M"}]}]}
            """);

        // Act
        var push = await CliRun.RunAsync(["catalog", "push", file, "--create", "--creator", "push-invalid", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, TestContext.Current.CancellationToken);

        // Assert
        Assert.True(push.ExitCode == 1, push.ToString());
        Assert.Contains("The catalog is invalid", push.Error, StringComparison.Ordinal);
        Assert.Contains("products[0].price.currency: ", push.Error, StringComparison.Ordinal);
        Assert.Contains("products[1].title: ", push.Error, StringComparison.Ordinal);
        Assert.Contains("products[1].skus[0].id: ", push.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", push.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogPush_RemovingASkuOfAScheduledDrop_RefusedNamingTheDropThenForced()
    {
        // Arrange: push-force sells a and b; a scheduled drop sells b.
        var cancellationToken = TestContext.Current.CancellationToken;
        await origin.Origin.PushSkusAsync("push-force", cancellationToken, "push-force-a", "push-force-b");
        var startsAt = DateTimeOffset.UtcNow.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        var endsAt = DateTimeOffset.UtcNow.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        using (var put = await origin.Origin.Http.PutAsync("/admin/v1/creators/push-force/drops/push-force-drop", new StringContent(
            $$"""{"title":"Drop","startsAt":"{{startsAt}}","endsAt":"{{endsAt}}","perViewerLimit":1,"allocations":[{"skuId":"push-force-b","units":5}]}""",
            System.Text.Encoding.UTF8, "application/json"), cancellationToken))
        {
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync(cancellationToken));
        }

        var file = await WriteAsync("without-b.json", OriginNode.SkuCatalog("push-force-a"));

        // Act
        var refused = await CliRun.RunAsync(["catalog", "push", file, "--create", "--creator", "push-force", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);
        var forced = await CliRun.RunAsync(["catalog", "push", file, "--create", "--creator", "push-force", "--force", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);

        // Assert
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("push-force-drop (push-force-b)", refused.Error, StringComparison.Ordinal);
        Assert.True(forced.ExitCode == 0, forced.ToString());
    }

    [Fact]
    public async Task CatalogPush_NotJson_ExitsOneWithTheOriginsTitle()
    {
        // Arrange
        var file = await WriteAsync("broken.json", "{\"products\": [");

        // Act
        var push = await CliRun.RunAsync(["catalog", "push", file, "--create", "--creator", "push-broken", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, TestContext.Current.CancellationToken);

        // Assert
        Assert.True(push.ExitCode == 1, push.ToString());
        Assert.Contains("not valid JSON", push.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogPush_StaleIfMatch_ExitsOneWithPreconditionFailed()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var catalog = DemoCatalogs.Create()[1].Catalog;
        var first = await WriteAsync("first.json", Json(catalog));
        var second = await WriteAsync("second.json", Json(catalog with { Products = catalog.Products.Take(2).ToList() }));
        var pushed = await CliRun.RunAsync(["catalog", "push", first, "--create", "--creator", "push-stale", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);
        Assert.True(pushed.ExitCode == 0, pushed.ToString());
        await CliRun.RunAsync(["catalog", "push", second, "--create", "--creator", "push-stale", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);
        var firstETag = System.Text.RegularExpressions.Regex.Match(pushed.Out, "\"r\\d+\"").Value;

        // Act
        var stale = await CliRun.RunAsync(["catalog", "push", first, "--create", "--creator", "push-stale", "--if-match", firstETag, "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);

        // Assert
        Assert.True(stale.ExitCode == 1, stale.ToString());
        Assert.Contains("412", stale.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogPush_OriginFromEndpointsFile_Succeeds()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var data = Path.Combine(_work.Path, "stack");
        EndpointsFile.Write(data, new StackEndpoints(origin.Url, origin.GrpcUrl, []));
        await File.WriteAllTextAsync(Path.Combine(data, "admin.token"), origin.AdminToken + "\n", cancellationToken);
        var file = await WriteAsync("found.json", Json(DemoCatalogs.Create()[2].Catalog));

        // Act: origin and token both come from the stack's data directory, as after `up`.
        var push = await CliRun.RunAsync(["catalog", "push", file, "--create", "--creator", "push-found", "--data", "stack"], _work.Path, cancellationToken);

        // Assert
        Assert.True(push.ExitCode == 0, push.ToString());
    }

    [Fact]
    public async Task Creators_TokenFromEnvironment_Succeeds_WithoutAnyToken_ExitsOneWithHowToGetOne()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;

        // Act
        var fromEnvironment = await CliRun.RunAsync(["creators", "--origin", origin.Url], _work.Path, cancellationToken,
            new Dictionary<string, string?> { ["EDGECOMMERCE_TOKEN"] = origin.AdminToken });
        var none = await CliRun.RunAsync(["creators", "--origin", origin.Url], _work.Path, cancellationToken);
        var forged = await CliRun.RunAsync(["creators", "--origin", origin.Url, "--token", origin.AdminToken[..^4] + "AAAA"], _work.Path, cancellationToken);

        // Assert
        Assert.True(fromEnvironment.ExitCode == 0, fromEnvironment.ToString());
        Assert.True(none.ExitCode == 1, none.ToString());
        Assert.Contains("requires an admin token", none.Error, StringComparison.Ordinal);
        Assert.True(forged.ExitCode == 1, forged.ToString());
        Assert.Contains("refused the admin token", forged.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(origin.AdminToken[..40], forged.Error + forged.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CatalogPush_OriginNotListening_ExitsOneSayingSo()
    {
        // Arrange
        var file = await WriteAsync("nowhere.json", Json(DemoCatalogs.Create()[3].Catalog));
        var nowhere = $"http://127.0.0.1:{FreePort.Next()}";

        // Act
        var push = await CliRun.RunAsync(["catalog", "push", file, "--create", "--creator", "push-nowhere", "--origin", nowhere], _work.Path, TestContext.Current.CancellationToken);

        // Assert
        Assert.True(push.ExitCode == 1, push.ToString());
        Assert.Contains("Unable to reach the origin", push.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _work.Dispose();

    private static string Json(CatalogFile catalog) => JsonSerializer.Serialize(catalog, CliJsonContext.Default.CatalogFile);

    private async Task<string> WriteAsync(string name, string content)
    {
        var path = Path.Combine(_work.Path, name);
        await File.WriteAllTextAsync(path, content, TestContext.Current.CancellationToken);
        return path;
    }
}
