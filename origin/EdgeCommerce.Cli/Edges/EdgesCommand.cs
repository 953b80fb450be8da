using System.CommandLine;
using System.Globalization;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Edges;

/// <summary><c>edges</c>: every edge the origin knows, with its applied revision, lag and link state.</summary>
internal sealed class EdgesCommand : Command
{
    private readonly AdminConnection _admin = new();

    public EdgesCommand(CliContext context)
        : base("edges", "List the edges the origin knows, with their applied revision, lag and link state.")
    {
        _admin.AddTo(this);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        using var admin = _admin.Open(parseResult, context);
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
        await context.Out.WriteLineAsync($"{"EDGE".PadRight(idWidth)}  {"REGION".PadRight(regionWidth)}  {"STATE",-12}  {"APPLIED",8}  {"LAG",6}  {"LAG (s)",8}  URL");
        foreach (var edge in list.Edges)
        {
            var state = edge.Healthy ? "healthy" : edge.Connected ? "behind" : "disconnected";
            var lagSeconds = edge.LagSeconds is { } seconds ? seconds.ToString("0.000", CultureInfo.InvariantCulture) : "?";
            await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{edge.Id.PadRight(idWidth)}  {edge.Region.PadRight(regionWidth)}  {state,-12}  {edge.AppliedRevision,8}  {edge.LagRevisions,6}  {lagSeconds,8}  {edge.Url}"));
            if (edge.LastRejection is { } rejection)
            {
                await context.Out.WriteLineAsync($"{new string(' ', idWidth)}  last refused batch: {rejection}");
            }
        }

        return ExitCodes.Success;
    }
}
