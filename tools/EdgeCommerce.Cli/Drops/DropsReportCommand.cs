using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Cli.Common;
using EdgeCommerce.Contracts;

namespace EdgeCommerce.Cli.Drops;

/// <summary>
/// <c>drops report --creator C --drop D</c>: the drop's report (docs/drop-report.md) as a table,
/// <c>--json</c> (the origin's answer as is) or <c>--csv</c> (every figure as <c>field,value</c>
/// under its JSON name); without <c>--drop</c>, every drop's headline.
/// </summary>
internal sealed class DropsReportCommand : Command
{
    private readonly Option<string> _creator = CommonOptions.Id("--creator", "The creator whose drops these are");
    private readonly Option<string?> _drop = new("--drop") { Description = "The drop's id (default: every drop's headline)" };
    private readonly Option<bool> _json = new("--json") { Description = "Print the origin's JSON exactly" };
    private readonly Option<bool> _csv = new("--csv") { Description = "Print CSV: field,value for one drop; one row per drop for the headlines" };
    private readonly AdminConnection _admin = new();

    public DropsReportCommand(CliContext context)
        : base("report", "Print a drop's report (funnel, conversion, sell-out time, revenue and margin per SKU, exceptions, edge P95, repeat buyers), or every drop's headline.")
    {
        Options.Add(_creator);
        Options.Add(_drop);
        Options.Add(_json);
        Options.Add(_csv);
        _admin.AddTo(this);
        Validators.Add(result =>
        {
            if (result.GetValue(_json) && result.GetValue(_csv))
            {
                result.AddError("Choose one of --json and --csv.");
            }
        });
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        var creator = parseResult.GetRequiredValue(_creator);
        var drop = parseResult.GetValue(_drop);
        using var admin = _admin.Open(parseResult, context);
        if (drop is not null)
        {
            var response = await admin.GetAsync(DropsOptions.Path(creator, drop) + "/report", cancellationToken);
            if (!response.IsSuccess)
            {
                await context.Error.WriteLineAsync(ProblemReport.Format(response));
                return ExitCodes.Failed;
            }

            using var report = JsonDocument.Parse(response.Body);
            await context.Out.WriteAsync(parseResult.GetValue(_json) ? response.Body + Environment.NewLine
                : parseResult.GetValue(_csv) ? DropReportText.Csv(report.RootElement)
                : DropReportText.Table(report.RootElement));
            return ExitCodes.Success;
        }

        var list = await admin.GetAsync(DropsOptions.Path(creator), cancellationToken);
        if (!list.IsSuccess)
        {
            await context.Error.WriteLineAsync(ProblemReport.Format(list));
            return ExitCodes.Failed;
        }

        var reports = new List<string>();
        using (var drops = JsonDocument.Parse(list.Body))
        {
            foreach (var item in drops.RootElement.GetProperty("drops").EnumerateArray())
            {
                var response = await admin.GetAsync(DropsOptions.Path(creator, item.GetProperty("dropId").GetString()!) + "/report", cancellationToken);
                if (!response.IsSuccess)
                {
                    await context.Error.WriteLineAsync(ProblemReport.Format(response));
                    return ExitCodes.Failed;
                }

                reports.Add(response.Body);
            }
        }

        var parsed = reports.Select(static body => JsonDocument.Parse(body)).ToList();
        try
        {
            var elements = parsed.Select(static document => document.RootElement).ToList();
            await context.Out.WriteAsync(parseResult.GetValue(_json) ? "{\"reports\":[" + string.Join(",", reports) + "]}" + Environment.NewLine
                : parseResult.GetValue(_csv) ? DropReportText.HeadlinesCsv(elements)
                : DropReportText.Headlines(elements));
        }
        finally
        {
            parsed.ForEach(static document => document.Dispose());
        }

        return ExitCodes.Success;
    }
}

/// <summary>The report's figures as text: the same names and definitions as the JSON (docs/drop-report.md).</summary>
internal static class DropReportText
{
    public static string Table(JsonElement report)
    {
        var text = new StringBuilder();
        var f = report.GetProperty("funnel");
        var c = report.GetProperty("conversion");
        Line(text, string.Create(CultureInfo.InvariantCulture,
            $"Drop {report.GetProperty("dropId").GetString()} of {report.GetProperty("creatorId").GetString()}: {report.GetProperty("phase").GetString()}, "
            + $"{report.GetProperty("startsAt").GetDateTimeOffset().UtcDateTime:yyyy-MM-dd HH:mm} to {report.GetProperty("endsAt").GetDateTimeOffset().UtcDateTime:yyyy-MM-dd HH:mm} UTC"));
        Line(text, $"Funnel       rsvps {Int(f, "rsvps")}  queued {Int(f, "queued")}  admitted {Int(f, "admitted")}  reserved {Int(f, "reserved")}  paid {Int(f, "paid")}  released {Int(f, "released")}  expired {Int(f, "expired")}");
        Line(text, $"Conversion   rsvp→paid {Percent(c.GetProperty("rsvpToPaid"))}  reserved→paid {Percent(c.GetProperty("reservedToPaid"))}");
        Line(text, $"Sold out     {Seconds(report.GetProperty("soldOutAfterSeconds"))}");
        var skus = report.GetProperty("skus").EnumerateArray().ToList();
        var width = Math.Max("SKU".Length, skus.Count == 0 ? 0 : skus.Max(static s => s.GetProperty("skuId").GetString()!.Length));
        Line(text, "");
        Line(text, $"{"SKU".PadRight(width)}  {"ALLOCATION",10}  {"SOLD",6}  {"REVENUE",14}  {"UNIT COST",12}  {"MARGIN",14}");
        foreach (var sku in skus)
        {
            var currency = sku.GetProperty("currency").GetString();
            Line(text, $"{sku.GetProperty("skuId").GetString()!.PadRight(width)}  {Int(sku, "allocation"),10}  {Int(sku, "sold"),6}  "
                + $"{Money(sku.GetProperty("revenueMinor"), currency),14}  {Money(sku.GetProperty("unitCostMinor"), currency),12}  {Money(sku.GetProperty("marginMinor"), currency),14}");
        }

        var t = report.GetProperty("totals");
        var totalCurrency = t.GetProperty("currency").GetString();
        Line(text, $"{"TOTAL".PadRight(width)}  {"",10}  {Int(t, "units"),6}  {Money(t.GetProperty("revenueMinor"), totalCurrency),14}  {"",12}  {Money(t.GetProperty("marginMinor"), totalCurrency),14}");
        Line(text, "");
        Line(text, $"Orders       {Int(t, "orders")} standing");
        var exceptions = report.GetProperty("exceptions").EnumerateObject().Where(static e => e.Value.GetInt64() > 0).Select(static e => $"{e.Name} {e.Value.GetInt64()}").ToList();
        Line(text, $"Exceptions   {Number(report.GetProperty("exceptionsPer1000Orders"), "0.0")} per 1,000 orders{(exceptions.Count == 0 ? "" : ": " + string.Join("  ", exceptions))}");
        var p95 = report.GetProperty("edgeP95Ms");
        Line(text, $"Edge P95     reserve {Number(p95.GetProperty("reserve"), "0.0")} ms  confirm {Number(p95.GetProperty("confirm"), "0.0")} ms");
        var r = report.GetProperty("repeat");
        Line(text, $"Repeat       buyers {Int(r, "buyers")}  repeat buyers {Int(r, "repeatBuyers")}  median days to first repeat {Number(r.GetProperty("medianDaysToFirstRepeat"), "0.##")}");
        return text.ToString();
    }

    /// <summary>Every figure as <c>field,value</c>, named by its JSON path (<c>skus[hoodie-m].marginMinor</c>); empty for null.</summary>
    public static string Csv(JsonElement report)
    {
        var text = new StringBuilder("field,value\n");
        Flatten(text, "", report);
        return text.ToString();
    }

    public static string Headlines(IReadOnlyList<JsonElement> reports)
    {
        if (reports.Count == 0)
        {
            return "No drops." + Environment.NewLine;
        }

        var width = Math.Max("DROP".Length, reports.Max(static r => r.GetProperty("dropId").GetString()!.Length));
        var text = new StringBuilder();
        Line(text, $"{"DROP".PadRight(width)}  {"PHASE",-12}  {"PAID",6}  {"RSVP→PAID",9}  {"SOLD OUT",10}  {"REVENUE",14}  {"MARGIN",14}");
        foreach (var report in reports)
        {
            var t = report.GetProperty("totals");
            var currency = t.GetProperty("currency").GetString();
            Line(text, $"{report.GetProperty("dropId").GetString()!.PadRight(width)}  {report.GetProperty("phase").GetString(),-12}  {Int(report.GetProperty("funnel"), "paid"),6}  "
                + $"{Percent(report.GetProperty("conversion").GetProperty("rsvpToPaid")),9}  {Seconds(report.GetProperty("soldOutAfterSeconds")),10}  "
                + $"{Money(t.GetProperty("revenueMinor"), currency),14}  {Money(t.GetProperty("marginMinor"), currency),14}");
        }

        return text.ToString();
    }

    public static string HeadlinesCsv(IReadOnlyList<JsonElement> reports)
    {
        var text = new StringBuilder("dropId,phase,paid,rsvpToPaid,soldOutAfterSeconds,revenueMinor,marginMinor,currency\n");
        foreach (var report in reports)
        {
            var t = report.GetProperty("totals");
            text.Append(CultureInfo.InvariantCulture, $"{Cell(report.GetProperty("dropId"))},{Cell(report.GetProperty("phase"))},{Cell(report.GetProperty("funnel").GetProperty("paid"))},")
                .Append(CultureInfo.InvariantCulture, $"{Cell(report.GetProperty("conversion").GetProperty("rsvpToPaid"))},{Cell(report.GetProperty("soldOutAfterSeconds"))},")
                .Append(CultureInfo.InvariantCulture, $"{Cell(t.GetProperty("revenueMinor"))},{Cell(t.GetProperty("marginMinor"))},{Cell(t.GetProperty("currency"))}\n");
        }

        return text.ToString();
    }

    private static void Flatten(StringBuilder text, string path, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Flatten(text, path.Length == 0 ? property.Name : path + "." + property.Name, property.Value);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    // SKUs are named by id, so a spreadsheet finds the same row in every drop's export.
                    var key = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("skuId", out var id) ? id.GetString() : index.ToString(CultureInfo.InvariantCulture);
                    Flatten(text, $"{path}[{key}]", item);
                    index++;
                }

                break;
            default:
                text.Append(Quote(path)).Append(',').Append(Cell(element)).Append('\n');
                break;
        }
    }

    private static string Cell(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null => "",
        JsonValueKind.String => Quote(value.GetString()!),
        _ => value.GetRawText(),
    };

    /// <summary>RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.</summary>
    private static string Quote(string value)
        => value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void Line(StringBuilder text, string line) => text.Append(line).Append(Environment.NewLine);

    private static string Int(JsonElement parent, string name) => parent.GetProperty(name).GetInt64().ToString(CultureInfo.InvariantCulture);

    private static string Percent(JsonElement value) => value.ValueKind == JsonValueKind.Number ? (value.GetDouble() * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "—";

    private static string Seconds(JsonElement value) => value.ValueKind == JsonValueKind.Number ? value.GetDouble().ToString("0.0", CultureInfo.InvariantCulture) + " s" : "—";

    private static string Number(JsonElement value, string format) => value.ValueKind == JsonValueKind.Number ? value.GetDouble().ToString(format, CultureInfo.InvariantCulture) : "—";

    /// <summary>Minor units shown in major units of the currency (59.00 EUR); "—" when unknown.</summary>
    private static string Money(JsonElement value, string? currency)
    {
        if (value.ValueKind != JsonValueKind.Number)
        {
            return "—";
        }

        var minor = value.GetInt64();
        var digits = Iso4217.MinorUnitsOrTwo(currency);
        var major = minor / (decimal)Math.Pow(10, digits);
        return major.ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture) + (currency is null ? "" : " " + currency);
    }
}
