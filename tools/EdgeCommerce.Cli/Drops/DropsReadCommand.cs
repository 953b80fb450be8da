using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Drops;

/// <summary><c>drops get</c>, <c>drops list</c> and <c>drops cancel</c>: one request each, printed the <see cref="CliOutput"/> way.</summary>
internal sealed class DropsReadCommand : Command
{
    private readonly Option<string> _creator = CommonOptions.Id("--creator", "The creator whose drops these are");
    private readonly Option<string>? _drop;
    private readonly AdminConnection _admin = new();
    private readonly HttpMethod _method;
    private readonly Func<JsonElement, string> _human;

    private DropsReadCommand(CliContext context, string name, string description, HttpMethod method, bool oneDrop, Func<JsonElement, string> human)
        : base(name, description)
    {
        _method = method;
        _human = human;
        Options.Add(_creator);
        if (oneDrop)
        {
            _drop = CommonOptions.Id("--drop", "The drop's id");
            Options.Add(_drop);
        }

        _admin.AddTo(this);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
    }

    public static DropsReadCommand Get(CliContext context)
        => new(context, "get", "Print a drop: phase, schedule, stock per SKU (sold, leased, available), RSVPs.", HttpMethod.Get, oneDrop: true, Describe);

    public static DropsReadCommand List(CliContext context)
        => new(context, "list", "Print a creator's drops with their phase and stock.", HttpMethod.Get, oneDrop: false, ListTable);

    public static DropsReadCommand Cancel(CliContext context)
        => new(context, "cancel", "Cancel a drop: no more reservations; what was sold stays sold.", HttpMethod.Delete, oneDrop: true,
            static answer => $"Cancelled drop {CliOutput.Text(answer, "dropId")} at revision {CliOutput.Number(answer, "revision")}: no more reservations; what was sold stays sold.");

    /// <summary>One row per drop: phase, schedule and units (sold of allocated, available).</summary>
    internal static string ListTable(JsonElement answer)
    {
        var table = new TextTable("DROP", "PHASE", "STARTS", "ENDS", "SOLD", "AVAILABLE", "TITLE");
        foreach (var drop in CliOutput.Items(answer, "drops"))
        {
            var (allocation, sold, _, available) = Totals(drop);
            table.Add(CliOutput.Text(drop, "dropId"), CliOutput.Text(drop, "phase"), CliOutput.Time(drop, "startsAt"), CliOutput.Time(drop, "endsAt"),
                string.Create(CultureInfo.InvariantCulture, $"{sold}/{allocation}"), available.ToString(CultureInfo.InvariantCulture), CliOutput.Text(drop, "title"));
        }

        return table.Count == 0 ? "No drops. Schedule one with `edgecommerce drops put FILE --creator ID --drop ID` (docs/examples/drop.json)." : table.ToString();
    }

    /// <summary>The drop's facts, then one row per SKU.</summary>
    internal static string Describe(JsonElement drop)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Drop {CliOutput.Text(drop, "dropId")} of {CliOutput.Text(drop, "creatorId")}: \"{CliOutput.Text(drop, "title")}\", {CliOutput.Text(drop, "phase")}{(CliOutput.Flag(drop, "cancelled") ? " (cancelled)" : "")}, revision {CliOutput.Number(drop, "revision")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"  opens    {CliOutput.Time(drop, "startsAt")}, ends {CliOutput.Time(drop, "endsAt")}");
        if (drop.TryGetProperty("earlyAccess", out var early) && early.ValueKind == JsonValueKind.Object)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  early    {CliOutput.Number(early, "minutes")} min before, for {CliOutput.Text(early, "audience")}");
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"  limit    {CliOutput.Number(drop, "perViewerLimit")} per viewer; RSVPs {CliOutput.Number(drop, "rsvps")}");
        var table = new TextTable("SKU", "ALLOCATION", "SOLD", "LEASED", "AVAILABLE");
        foreach (var sku in CliOutput.Items(drop, "skus"))
        {
            table.Add(CliOutput.Text(sku, "skuId"), CliOutput.Number(sku, "allocation"), CliOutput.Number(sku, "sold"), CliOutput.Number(sku, "leased"), CliOutput.Number(sku, "available"));
        }

        var (allocation, sold, leased, available) = Totals(drop);
        table.Add("total", allocation.ToString(CultureInfo.InvariantCulture), sold.ToString(CultureInfo.InvariantCulture), leased.ToString(CultureInfo.InvariantCulture), available.ToString(CultureInfo.InvariantCulture));
        text.Append(table);
        return text.ToString();
    }

    private static (long Allocation, long Sold, long Leased, long Available) Totals(JsonElement drop)
    {
        long allocation = 0, sold = 0, leased = 0, available = 0;
        foreach (var sku in CliOutput.Items(drop, "skus"))
        {
            allocation += Long(sku, "allocation");
            sold += Long(sku, "sold");
            leased += Long(sku, "leased");
            available += Long(sku, "available");
        }

        return (allocation, sold, leased, available);
    }

    private static long Long(JsonElement element, string name)
        => element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : 0;

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        var creator = parseResult.GetRequiredValue(_creator);
        var drop = _drop is null ? null : parseResult.GetRequiredValue(_drop);
        using var admin = _admin.Open(parseResult, context);
        var response = _method == HttpMethod.Delete
            ? await admin.DeleteAsync(DropsOptions.Path(creator, drop), cancellationToken)
            : await admin.GetAsync(DropsOptions.Path(creator, drop), cancellationToken);
        return await CliOutput.WriteAnswerAsync(context, response, _admin.WantsJson(parseResult), _human);
    }
}
