using System.CommandLine;
using System.Globalization;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Edges;

/// <summary>
/// <c>edges</c>: every edge the origin knows, with its applied revision, lag and link state;
/// <c>edges revoke ID</c> and <c>edges allow ID</c> revoke one edge and lift that.
/// </summary>
internal sealed class EdgesCommand : Command
{
    private readonly AdminConnection _admin = new();

    public EdgesCommand(CliContext context)
        : base("edges", "List the edges the origin knows, with their applied revision, lag and link state.")
    {
        _admin.AddTo(this);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
        var revokeId = new Argument<string>("ID") { Description = "The edge id to revoke" };
        Subcommands.Add(AdminVerb.Create(context, "revoke",
            "Revoke one edge at once: its streams end, the origin refuses its tokens, nearest routing drops it, and it cannot reconnect until allowed.",
            parse => ("POST", $"/admin/v1/edges/{Uri.EscapeDataString(parse.GetRequiredValue(revokeId))}/revoke"), revokeId,
            static answer => $"Revoked edge {CliOutput.Text(answer, "edgeId")}: its streams end, its tokens are refused and it cannot reconnect until `edges allow`."));
        var allowId = new Argument<string>("ID") { Description = "The edge id to allow again" };
        Subcommands.Add(AdminVerb.Create(context, "allow", "Lift an edge's revocation: it may connect again with a valid edge:sync token.",
            parse => ("POST", $"/admin/v1/edges/{Uri.EscapeDataString(parse.GetRequiredValue(allowId))}/allow"), allowId,
            static answer => $"Allowed edge {CliOutput.Text(answer, "edgeId")} again: it may connect with a valid edge:sync token."));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        using var admin = _admin.Open(parseResult, context);
        if (_admin.WantsJson(parseResult))
        {
            return await CliOutput.WriteAnswerAsync(context, await admin.GetAsync("/admin/v1/edges", cancellationToken), json: true, CliOutput.FormatJson);
        }

        var list = await admin.GetEdgesAsync(cancellationToken);
        await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Origin head revision {list.HeadRevision} (change log compacted up to {list.CompactedRevision})."));
        if (list.Edges.Count == 0)
        {
            await context.Out.WriteLineAsync("No edge has connected yet.");
            return ExitCodes.Success;
        }

        var idWidth = Math.Max("EDGE".Length, list.Edges.Max(static e => e.Id.Length));
        var regionWidth = Math.Max("REGION".Length, list.Edges.Max(static e => e.Region.Length));
        var viaWidth = Math.Max("origin".Length, list.Edges.Max(static e => e.Via?.Length ?? 0));
        await context.Out.WriteLineAsync($"{"EDGE".PadRight(idWidth)}  {"REGION".PadRight(regionWidth)}  {"STATE",-12}  {"APPLIED",8}  {"LAG",6}  {"LAG (s)",8}  {"VIA".PadRight(viaWidth)}  URL");
        foreach (var edge in list.Edges)
        {
            var state = edge.Revoked ? "revoked" : edge.Healthy ? "healthy" : edge.Connected ? "behind" : "disconnected";
            var lagSeconds = edge.LagSeconds is { } seconds ? seconds.ToString("0.000", CultureInfo.InvariantCulture) : "?";
            await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{edge.Id.PadRight(idWidth)}  {edge.Region.PadRight(regionWidth)}  {state,-12}  {edge.AppliedRevision,8}  {edge.LagRevisions,6}  {lagSeconds,8}  {(edge.Via ?? "origin").PadRight(viaWidth)}  {edge.Url}"));
            if (edge.LastRejection is { } rejection)
            {
                await context.Out.WriteLineAsync($"{new string(' ', idWidth)}  last refused batch: {rejection}");
            }
        }

        return ExitCodes.Success;
    }
}
