using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Cli.Tests.Infrastructure;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Drops;

/// <summary><c>drops put|get|list|cancel</c> against a real origin process.</summary>
public sealed class DropsProcessTests(OriginProcessFixture origin) : IClassFixture<OriginProcessFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    [Fact]
    public async Task Drops_PutGetListCancel_RoundTripsThroughTheAdminApi()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var token = await CliRun.RunAsync(["token", "--scope", "admin:drops", "--creator", "cli-drops", "--audience", "origin", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);
        Assert.True(token.ExitCode == 0, token.ToString());
        // A drop sells only SKUs of its creator's catalog.
        await File.WriteAllTextAsync(Path.Combine(_work.Path, "catalog.json"), OriginNode.SkuCatalog("hoodie-01-m"), cancellationToken);
        var catalog = await CliRun.RunAsync(["catalog", "push", "catalog.json", "--create", "--creator", "cli-drops", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);
        Assert.True(catalog.ExitCode == 0, catalog.ToString());
        var startsAt = DateTimeOffset.UtcNow.AddDays(1);
        var file = Path.Combine(_work.Path, "drop.json");
        await File.WriteAllTextAsync(file, $$"""
            {"title":"Tour drop","startsAt":"{{startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}","endsAt":"{{startsAt.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}",
             "earlyAccess":{"minutes":10,"audience":"rsvp"},"perViewerLimit":2,"allocations":[{"skuId":"hoodie-01-m","units":40}]}
            """, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_work.Path, "bad.json"), """{"title":""}""", cancellationToken);
        string[] auth = ["--creator", "cli-drops", "--token", token.Out.Trim(), "--origin", origin.Url];

        // Act
        var put = await CliRun.RunAsync(["drops", "put", "drop.json", "--drop", "cli-drop-1", .. auth], _work.Path, cancellationToken);
        var bad = await CliRun.RunAsync(["drops", "put", "bad.json", "--drop", "cli-drop-2", .. auth], _work.Path, cancellationToken);
        var get = await CliRun.RunAsync(["drops", "get", "--json", "--drop", "cli-drop-1", .. auth], _work.Path, cancellationToken);
        var list = await CliRun.RunAsync(["drops", "list", "--json", .. auth], _work.Path, cancellationToken);
        var cancel = await CliRun.RunAsync(["drops", "cancel", "--drop", "cli-drop-1", .. auth], _work.Path, cancellationToken);
        var after = await CliRun.RunAsync(["drops", "get", "--json", "--drop", "cli-drop-1", .. auth], _work.Path, cancellationToken);
        var noToken = await CliRun.RunAsync(["drops", "list", "--creator", "cli-drops", "--origin", origin.Url], _work.Path, cancellationToken);

        // Assert
        Assert.True(put.ExitCode == 0, put.ToString());
        Assert.Contains("Drop cli-drop-1 of cli-drops: created at revision", put.Out, StringComparison.Ordinal);
        Assert.True(bad.ExitCode == 1, bad.ToString());
        Assert.Contains("allocations", bad.Error, StringComparison.Ordinal);
        Assert.True(get.ExitCode == 0, get.ToString());
        Assert.Equal("scheduled", JsonDocument.Parse(get.Out).RootElement.GetProperty("phase").GetString());
        // Timestamps as the API means them: "+00:00", not the default encoder's "\u002B00:00".
        Assert.Contains("+00:00\"", get.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", get.Out, StringComparison.Ordinal);
        Assert.Equal("cli-drop-1", JsonDocument.Parse(list.Out).RootElement.GetProperty("drops")[0].GetProperty("dropId").GetString());
        Assert.True(cancel.ExitCode == 0, cancel.ToString());
        Assert.StartsWith("Cancelled drop cli-drop-1 at revision", cancel.Out, StringComparison.Ordinal);
        Assert.Equal("closed", JsonDocument.Parse(after.Out).RootElement.GetProperty("phase").GetString());
        Assert.True(noToken.ExitCode == 1, noToken.ToString());
    }

    public void Dispose() => _work.Dispose();
}
