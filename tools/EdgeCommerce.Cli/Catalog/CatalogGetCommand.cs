using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Catalog;

/// <summary>
/// <c>catalog get --creator ID [--json]</c>: the stored catalog as a product table, or with
/// <c>--json</c> the document itself, indented on stdout (ready to edit and push back), its ETag on stderr.
/// </summary>
internal sealed class CatalogGetCommand : Command
{
    private readonly Option<string> _creator = CommonOptions.Id("--creator", "The creator whose catalog to print");
    private readonly AdminConnection _admin = new();

    public CatalogGetCommand(CliContext context)
        : base("get", "Print a creator's catalog: a product table, or with --json the document (stdout) and its ETag (stderr).")
    {
        Options.Add(_creator);
        _admin.AddTo(this);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
    }

    internal static string Table(JsonElement catalog, string creator, string? etag)
    {
        var table = new TextTable("PRODUCT", "PRICE", "SKUS", "TITLE");
        foreach (var product in CliOutput.Items(catalog, "products"))
        {
            var price = product.TryGetProperty("price", out var p) && p.ValueKind == JsonValueKind.Object
                && p.TryGetProperty("amountMinor", out var amount) && amount.TryGetInt64(out var minor)
                    ? string.Create(CultureInfo.InvariantCulture, $"{minor / 100m:0.00} {CliOutput.Text(p, "currency")}")
                    : "-";
            table.Add(CliOutput.Text(product, "id"), price, string.Join(' ', CliOutput.Items(product, "skus").Select(static sku => CliOutput.Text(sku, "id"))), CliOutput.Text(product, "title"));
        }

        return $"Catalog of {creator}, ETag {etag ?? "(none)"}: {table.Count} products (--json prints the document to edit and push back with --if-match)"
            + Environment.NewLine + table;
    }

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        var creator = parseResult.GetRequiredValue(_creator);

        using var admin = _admin.Open(parseResult, context);
        var response = await admin.GetCatalogAsync(creator, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            await context.Error.WriteLineAsync(ProblemReport.Format(response));
            return ExitCodes.Failed;
        }

        if (_admin.WantsJson(parseResult))
        {
            await context.Out.WriteLineAsync(CliOutput.FormatJson(response.Body));
            await context.Error.WriteLineAsync($"ETag {response.ETag ?? "(none)"}");
            return ExitCodes.Success;
        }

        return await CliOutput.WriteAnswerAsync(context, response, json: false, catalog => Table(catalog, creator, response.ETag));
    }
}
