using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Cli.Tests.Infrastructure;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Drops;

/// <summary><c>drops report</c> against a real origin process: a table by default, the origin's JSON with <c>--json</c>, field,value CSV with <c>--csv</c>, and every drop's headline without <c>--drop</c>.</summary>
public sealed class DropsReportProcessTests(OriginProcessFixture origin) : IClassFixture<OriginProcessFixture>, IDisposable
{
    private readonly TempDirectory _work = new();

    [Fact]
    public async Task DropsReport_TableJsonCsvAndHeadlines_ShowTheSameFigures()
    {
        // Arrange: a scheduled drop (nothing sold yet) of a catalog SKU costing 21.00.
        var cancellationToken = TestContext.Current.CancellationToken;
        await File.WriteAllTextAsync(Path.Combine(_work.Path, "catalog.json"), """
            {"products":[{"id":"hoodie","title":"Tour hoodie","price":{"amountMinor":5900,"currency":"EUR"},"skus":[{"id":"hoodie-m","label":"M","unitCostMinor":2100}]}]}
            """, cancellationToken);
        var catalog = await CliRun.RunAsync(["catalog", "push", "catalog.json", "--creator", "cli-report", "--create", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);
        Assert.True(catalog.ExitCode == 0, catalog.ToString());
        var startsAt = DateTimeOffset.UtcNow.AddDays(1);
        await File.WriteAllTextAsync(Path.Combine(_work.Path, "drop.json"), $$"""
            {"title":"Tour drop","startsAt":"{{startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}","endsAt":"{{startsAt.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}}",
             "perViewerLimit":2,"allocations":[{"skuId":"hoodie-m","units":40}]}
            """, cancellationToken);
        var token = await CliRun.RunAsync(["token", "--scope", "admin:drops", "--creator", "cli-report", "--audience", "origin", "--origin", origin.Url, "--token", origin.AdminToken], _work.Path, cancellationToken);
        Assert.True(token.ExitCode == 0, token.ToString());
        string[] auth = ["--creator", "cli-report", "--token", token.Out.Trim(), "--origin", origin.Url];
        var put = await CliRun.RunAsync(["drops", "put", "drop.json", "--drop", "cli-report-1", .. auth], _work.Path, cancellationToken);
        Assert.True(put.ExitCode == 0, put.ToString());

        // Act
        var table = await CliRun.RunAsync(["drops", "report", "--drop", "cli-report-1", .. auth], _work.Path, cancellationToken);
        var json = await CliRun.RunAsync(["drops", "report", "--drop", "cli-report-1", "--json", .. auth], _work.Path, cancellationToken);
        var csv = await CliRun.RunAsync(["drops", "report", "--drop", "cli-report-1", "--csv", .. auth], _work.Path, cancellationToken);
        var headlines = await CliRun.RunAsync(["drops", "report", .. auth], _work.Path, cancellationToken);
        var both = await CliRun.RunAsync(["drops", "report", "--drop", "cli-report-1", "--json", "--csv", .. auth], _work.Path, cancellationToken);
        var missing = await CliRun.RunAsync(["drops", "report", "--drop", "no-such-drop", .. auth], _work.Path, cancellationToken);

        // Assert
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("Drop cli-report-1 of cli-report: scheduled", table.Out, StringComparison.Ordinal);
        Assert.Contains("hoodie-m", table.Out, StringComparison.Ordinal);
        Assert.Contains("21.00 EUR", table.Out, StringComparison.Ordinal);
        Assert.True(json.ExitCode == 0, json.ToString());
        var report = JsonDocument.Parse(json.Out).RootElement;
        Assert.Equal(2100, report.GetProperty("skus")[0].GetProperty("unitCostMinor").GetInt64());
        Assert.True(csv.ExitCode == 0, csv.ToString());
        Assert.StartsWith("field,value\n", csv.Out, StringComparison.Ordinal);
        Assert.Contains("\nfunnel.rsvps,0\n", csv.Out, StringComparison.Ordinal);
        Assert.Contains("\nskus[hoodie-m].unitCostMinor,2100\n", csv.Out, StringComparison.Ordinal);
        Assert.Contains("\nsoldOutAfterSeconds,\n", csv.Out, StringComparison.Ordinal);
        Assert.True(headlines.ExitCode == 0, headlines.ToString());
        Assert.Contains("cli-report-1", headlines.Out, StringComparison.Ordinal);
        Assert.Contains("scheduled", headlines.Out, StringComparison.Ordinal);
        Assert.NotEqual(0, both.ExitCode);
        Assert.True(missing.ExitCode == 1, missing.ToString());
    }

    public void Dispose() => _work.Dispose();
}
