using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Cli.Tests.Infrastructure;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Style;

/// <summary>One CLI style against a real origin: tables by default, the API's JSON with --json, and the guard rails.</summary>
public sealed class CliStyleProcessTests(OriginProcessFixture origin) : IClassFixture<OriginProcessFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    private string[] Connection => ["--origin", origin.Url, "--token", origin.AdminToken];

    [Fact]
    public async Task Verbs_PrintTablesByDefaultAndTheApisJsonWithJson()
    {
        // Arrange: a creator with a scheduled drop.
        var cancellationToken = TestContext.Current.CancellationToken;
        Assert.Equal(0, (await PushAsync("style-table", OriginNode.SkuCatalog("style-tee-m"), "--create")).ExitCode);
        var startsAt = DateTimeOffset.UtcNow.AddDays(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var endsAt = DateTimeOffset.UtcNow.AddDays(1).AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await File.WriteAllTextAsync(Path.Combine(_work.Path, "drop.json"),
            $$"""{"title":"Style drop","startsAt":"{{startsAt}}","endsAt":"{{endsAt}}","perViewerLimit":1,"allocations":[{"skuId":"style-tee-m","units":5}]}""", cancellationToken);
        var put = await RunAsync(["drops", "put", "drop.json", "--creator", "style-table", "--drop", "style-drop"]);
        Assert.True(put.ExitCode == 0, put.ToString());

        // Act / Assert: every reading verb, both ways.
        (string[] Verb, string Header, string JsonMember)[] verbs =
        [
            (["creators"], "CREATOR", "creators"),
            (["keys", "list"], "KEY", "keys"),
            (["models", "list"], "No model yet", "models"),
            (["drops", "list", "--creator", "style-table"], "DROP", "drops"),
            (["drops", "get", "--creator", "style-table", "--drop", "style-drop"], "SKU", "skus"),
            (["catalog", "get", "--creator", "style-table"], "PRODUCT", "products"),
            (["edges"], "Origin head revision", "edges"),
        ];
        foreach (var (verb, header, member) in verbs)
        {
            var human = await RunAsync(verb);
            var json = await RunAsync([.. verb, "--json"]);
            Assert.True(human.ExitCode == 0, human.ToString());
            Assert.Contains(header, human.Out, StringComparison.Ordinal);
            Assert.False(human.Out.TrimStart().StartsWith('{'), human.ToString());
            Assert.True(json.ExitCode == 0, json.ToString());
            Assert.True(JsonDocument.Parse(json.Out).RootElement.TryGetProperty(member, out _), json.ToString());
            Assert.DoesNotContain("\\u002B", json.Out, StringComparison.Ordinal);
        }

        var drops = await RunAsync(["drops", "list", "--creator", "style-table"]);
        Assert.Contains(drops.Out.Split('\n'), line => line.StartsWith("style-drop", StringComparison.Ordinal) && line.Contains("scheduled", StringComparison.Ordinal) && line.Contains("0/5", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CatalogPush_UnknownCreator_RefusedWithoutCreateAndSuggestsTheClosest()
    {
        // Arrange
        Assert.Equal(0, (await PushAsync("style-threads", OriginNode.SkuCatalog("style-hoodie-m"), "--create")).ExitCode);

        // Act: a typo of an existing creator.
        var typo = await PushAsync("style-thread", OriginNode.SkuCatalog("style-hoodie-m"));
        var creators = await RunAsync(["creators"]);
        var created = await PushAsync("style-thread", OriginNode.SkuCatalog("style-hoodie-m"), "--create");

        // Assert
        Assert.True(typo.ExitCode == 1, typo.ToString());
        Assert.Contains("No creator 'style-thread'", typo.Error, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'style-threads'?", typo.Error, StringComparison.Ordinal);
        Assert.Contains("--create", typo.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("style-thread ", creators.Out, StringComparison.Ordinal);
        Assert.True(created.ExitCode == 0, created.ToString());
    }

    [Fact]
    public async Task CatalogPush_EmptyCatalog_NeedsAllowEmpty()
    {
        // Arrange
        Assert.Equal(0, (await PushAsync("style-empty", OriginNode.SkuCatalog("style-mug"), "--create")).ExitCode);

        // Act
        var refused = await PushAsync("style-empty", """{"products": []}""");
        var stillThere = await RunAsync(["catalog", "get", "--creator", "style-empty"]);
        var allowed = await PushAsync("style-empty", """{"products": []}""", "--allow-empty");

        // Assert
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("--allow-empty", refused.Error, StringComparison.Ordinal);
        Assert.Contains("style-mug", stillThere.Out, StringComparison.Ordinal);
        Assert.True(allowed.ExitCode == 0, allowed.ToString());
    }

    [Fact]
    public async Task CreatorsDelete_AsksAndDeletesOnlyOnYes()
    {
        // Arrange
        Assert.Equal(0, (await PushAsync("style-delete", OriginNode.SkuCatalog("style-pin"), "--create")).ExitCode);

        // Act
        var declined = await RunAsync(["creators", "delete", "style-delete"], "n\n");
        var noAnswer = await RunAsync(["creators", "delete", "style-delete"]);
        var afterRefusals = await RunAsync(["creators"]);
        var confirmed = await RunAsync(["creators", "delete", "style-delete"], "y\n");
        var afterDelete = await RunAsync(["creators"]);
        Assert.Equal(0, (await PushAsync("style-delete", OriginNode.SkuCatalog("style-pin"), "--create")).ExitCode);
        var unasked = await RunAsync(["creators", "delete", "style-delete", "--yes"]);
        var missing = await RunAsync(["creators", "delete", "style-delet", "--yes"]);

        // Assert
        Assert.True(declined.ExitCode == 1, declined.ToString());
        Assert.Contains("[y/N]", declined.Error, StringComparison.Ordinal);
        Assert.Contains("Nothing deleted", declined.Error, StringComparison.Ordinal);
        Assert.True(noAnswer.ExitCode == 1, noAnswer.ToString());
        Assert.Contains("--yes", noAnswer.Error, StringComparison.Ordinal);
        Assert.Contains("style-delete", afterRefusals.Out, StringComparison.Ordinal);
        Assert.True(confirmed.ExitCode == 0, confirmed.ToString());
        Assert.StartsWith("Deleted creator style-delete", confirmed.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("style-delete", afterDelete.Out, StringComparison.Ordinal);
        Assert.True(unasked.ExitCode == 0, unasked.ToString());
        Assert.DoesNotContain("[y/N]", unasked.Error, StringComparison.Ordinal);
        Assert.True(missing.ExitCode == 1, missing.ToString());
        Assert.Contains("No creator 'style-delet'", missing.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_UnknownCreator_WarnsAndStillMints()
    {
        // Arrange
        Assert.Equal(0, (await PushAsync("style-token", OriginNode.SkuCatalog("style-cap"), "--create")).ExitCode);

        // Act
        var unknown = await RunAsync(["token", "--scope", "recs:read", "--creator", "style-tokn", "--sub", "viewer-1"]);
        var known = await RunAsync(["token", "--scope", "recs:read", "--creator", "style-token", "--sub", "viewer-1"]);
        var json = await RunAsync(["token", "--scope", "recs:read", "--creator", "style-token", "--sub", "viewer-1", "--json"]);

        // Assert
        Assert.True(unknown.ExitCode == 0, unknown.ToString());
        Assert.Contains("warning: no creator 'style-tokn'", unknown.Error, StringComparison.Ordinal);
        Assert.Contains("Did you mean 'style-token'?", unknown.Error, StringComparison.Ordinal);
        Assert.True(known.ExitCode == 0, known.ToString());
        Assert.DoesNotContain("warning", known.Error, StringComparison.Ordinal);
        Assert.Equal(3, known.Out.Trim().Split('.').Length);
        var minted = JsonDocument.Parse(json.Out).RootElement;
        Assert.Equal(3, minted.GetProperty("token").GetString()!.Split('.').Length);
        Assert.True(minted.TryGetProperty("expiresAt", out _));
    }

    [Fact]
    public async Task ProblemOutput_OmitsTheApisSentenceAboutItsErrorsMember()
    {
        // Act: a catalog the origin refuses with a validation problem.
        var refused = await PushAsync("style-invalid", """{"products": [{"id": "x"}]}""", "--create");

        // Assert
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains("products[0]", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("listed under 'errors'", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _work.Dispose();

    private async Task<CliRun> PushAsync(string creator, string catalog, params string[] options)
    {
        var file = Path.Combine(_work.Path, creator + "-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(file, catalog, TestContext.Current.CancellationToken);
        return await RunAsync(["catalog", "push", file, "--creator", creator, .. options]);
    }

    private Task<CliRun> RunAsync(string[] arguments, string? input = null)
        => CliRun.RunAsync([.. arguments, .. Connection], _work.Path, TestContext.Current.CancellationToken, input: input);
}
