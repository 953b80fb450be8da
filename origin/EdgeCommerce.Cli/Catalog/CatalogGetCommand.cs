using System.CommandLine;
using System.Net;
using System.Text.Json;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Catalog;

/// <summary>
/// <c>catalog get --creator ID</c>: prints the stored catalog as indented JSON on stdout (ready to
/// edit and push back) and its ETag on stderr.
/// </summary>
internal sealed class CatalogGetCommand : Command
{
    private static readonly JsonWriterOptions s_indented = new() { Indented = true };

    private readonly Option<string> _creator = CommonOptions.Id("--creator", "The creator whose catalog to print");
    private readonly AdminConnection _admin = new();

    public CatalogGetCommand(CliContext context)
        : base("get", "Print a creator's catalog (JSON on stdout, its ETag on stderr).")
    {
        Options.Add(_creator);
        _admin.AddTo(this);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
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

        await context.Out.WriteLineAsync(Indent(response.Body));
        await context.Error.WriteLineAsync($"ETag {response.ETag ?? "(none)"}");
        return ExitCodes.Success;
    }

    private static string Indent(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, s_indented))
            {
                document.WriteTo(writer);
            }

            return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        }
        catch (JsonException)
        {
            return json;
        }
    }
}
