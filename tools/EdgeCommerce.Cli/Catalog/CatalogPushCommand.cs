using System.CommandLine;
using System.Text.Json;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Catalog;

/// <summary>
/// <c>catalog push FILE --creator ID</c>: replaces the creator's catalog with the file, as one
/// revision. The origin validates the whole document; its problem details are printed per path.
/// </summary>
internal sealed class CatalogPushCommand : Command
{
    private readonly Argument<string> _file = new("FILE") { Description = "The catalog JSON document ({\"products\": [...]}), or - for standard input" };
    private readonly Option<string> _creator = CommonOptions.Id("--creator", "The creator whose catalog this is");
    private readonly Option<string?> _ifMatch = new("--if-match")
    {
        Description = "Only replace while this revision is current: the ETag printed by push or get (\"r5\", r5 or 5)",
        HelpName = "ETAG",
    };

    private readonly Option<bool> _force = new("--force")
    {
        Description = "Remove SKUs even when scheduled or running drops sell them (the drops then show them as withdrawn)",
    };

    private readonly Option<bool> _create = new("--create")
    {
        Description = "Create the creator when the origin does not have it yet (without it, a mistyped id is refused instead of becoming a new shop)",
    };

    private readonly Option<bool> _allowEmpty = new("--allow-empty")
    {
        Description = "Push a catalog without products (empties the creator's shop on every edge)",
    };

    private readonly AdminConnection _admin = new();

    public CatalogPushCommand(CliContext context)
        : base("push", "Replace a creator's catalog with a JSON file; prints the new revision and ETag.")
    {
        _ifMatch.Validators.Add(static result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && IfMatch.Normalize(value) is null)
            {
                result.AddError($"--if-match '{value}' is not a catalog ETag; use the one push or get printed, such as \"r5\".");
            }
        });

        Arguments.Add(_file);
        Options.Add(_creator);
        Options.Add(_ifMatch);
        Options.Add(_force);
        Options.Add(_create);
        Options.Add(_allowEmpty);
        _admin.AddTo(this);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        var creator = parseResult.GetRequiredValue(_creator);
        var ifMatch = parseResult.GetValue(_ifMatch) is { } etag ? IfMatch.Normalize(etag) : null;
        // Where to push is checked before the file is read: a missing stack is the likelier mistake.
        using var admin = _admin.Open(parseResult, context);
        var document = await ReadDocumentAsync(parseResult.GetRequiredValue(_file), context, cancellationToken);
        if (IsEmptyCatalog(document) && !parseResult.GetValue(_allowEmpty))
        {
            throw new CliException($"The catalog has no products: pushing it empties the shop of '{creator}' on every edge. Pass --allow-empty if that is what you want.");
        }

        if (!parseResult.GetValue(_create) && !await CreatorLookup.ExistsAsync(admin, creator, cancellationToken))
        {
            throw new CliException($"No creator '{creator}' on {admin.Origin}.{await CreatorLookup.DidYouMeanAsync(admin, creator, cancellationToken)} Pass --create to create it.");
        }

        var response = await admin.PutCatalogAsync(creator, document, ifMatch, cancellationToken, parseResult.GetValue(_force));
        return await CliOutput.WriteAnswerAsync(context, response, _admin.WantsJson(parseResult),
            answer => $"Pushed the catalog of {creator}: revision {CliOutput.Number(answer, "revision")}, ETag {response.ETag ?? "(none)"}");
    }

    /// <summary>
    /// True for a JSON object whose <c>products</c> is an empty array. Anything else (not JSON,
    /// no products member) goes to the origin, which names every error.
    /// </summary>
    internal static bool IsEmptyCatalog(byte[] document)
    {
        try
        {
            using var json = JsonDocument.Parse(document);
            return json.RootElement.ValueKind == JsonValueKind.Object
                && json.RootElement.TryGetProperty("products", out var products)
                && products.ValueKind == JsonValueKind.Array && products.GetArrayLength() == 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static async Task<byte[]> ReadDocumentAsync(string file, CliContext context, CancellationToken cancellationToken)
    {
        if (file == "-")
        {
            using var buffer = new MemoryStream();
            await Console.OpenStandardInput().CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }

        var path = context.ResolvePath(file);
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"Unable to read the catalog file {path}: {ex.Message}", ex);
        }
    }
}
