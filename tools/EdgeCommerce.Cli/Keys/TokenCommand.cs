using System.CommandLine;
using System.Text.Json.Nodes;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Keys;

/// <summary>
/// <c>token --scope "..." [--creator ID] [--sub ID] [--ttl SECONDS] [--audience edge|origin] [--tier NAME]</c>:
/// mints an access token at the origin and prints it (for admins, scripts and tests). Without
/// <c>--creator</c> and with <c>admin:platform</c> it is a platform operator's token.
/// </summary>
internal sealed class TokenCommand : Command
{
    private readonly Option<string> _scope = new("--scope") { Description = "Space-separated scopes, e.g. \"recs:read drop:reserve\"", Required = true };
    private readonly Option<string?> _creator = new("--creator") { Description = "The tenant the token is for; omit for a platform operator or an edge" };
    private readonly Option<string> _subject = new("--sub") { Description = "The subject (viewer, admin or edge id)", DefaultValueFactory = static _ => "cli" };
    private readonly Option<long> _ttl = new("--ttl") { Description = "Lifetime in seconds", DefaultValueFactory = static _ => 900 };
    private readonly Option<string> _audience = new("--audience") { Description = "edge (viewers' requests) or origin (the admin API)", DefaultValueFactory = static _ => "edge" };
    private readonly Option<string?> _tier = new("--tier") { Description = "A viewer's membership tier" };
    private readonly AdminConnection _admin = new();

    public TokenCommand(CliContext context)
        : base("token", "Mint an access token at the origin and print it.")
    {
        _audience.AcceptOnlyFromAmong("edge", "origin");
        Options.Add(_scope);
        Options.Add(_creator);
        Options.Add(_subject);
        Options.Add(_ttl);
        Options.Add(_audience);
        Options.Add(_tier);
        _admin.AddTo(this);
        SetAction((parseResult, cancellationToken) => RunAsync(parseResult, context, cancellationToken));
    }

    private async Task<int> RunAsync(ParseResult parseResult, CliContext context, CancellationToken cancellationToken)
    {
        var request = new JsonObject
        {
            ["subject"] = parseResult.GetRequiredValue(_subject),
            ["creatorId"] = parseResult.GetValue(_creator),
            ["scopes"] = new JsonArray([.. parseResult.GetRequiredValue(_scope).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(static s => (JsonNode)s)]),
            ["ttlSeconds"] = parseResult.GetValue(_ttl),
            ["audience"] = parseResult.GetRequiredValue(_audience),
            ["tier"] = parseResult.GetValue(_tier),
        };
        using var admin = _admin.Open(parseResult, context);
        if (parseResult.GetValue(_creator) is { } creator && !await CreatorExistsAsync(admin, creator, cancellationToken))
        {
            // A warning, not a refusal: a creator's token may be minted before its first catalog.
            await context.Error.WriteLineAsync($"warning: no creator '{creator}' on {admin.Origin} yet.{await CreatorLookup.DidYouMeanAsync(admin, creator, cancellationToken)} The token is minted anyway.");
        }

        var (token, expiresAt) = await admin.MintTokenAsync(request, cancellationToken);
        if (_admin.WantsJson(parseResult))
        {
            await context.Out.WriteLineAsync(CliOutput.FormatJson(new JsonObject { ["token"] = token, ["expiresAt"] = expiresAt }.ToJsonString()));
            return ExitCodes.Success;
        }

        // The token alone on stdout, so scripts can capture it; the expiry goes to stderr.
        await context.Out.WriteLineAsync(token);
        await context.Error.WriteLineAsync("expires " + expiresAt);
        return ExitCodes.Success;
    }

    /// <summary>Best effort: a token that may not read catalogs (or an error) says nothing rather than a false warning.</summary>
    private static async Task<bool> CreatorExistsAsync(AdminClient admin, string creator, CancellationToken cancellationToken)
    {
        try
        {
            return await CreatorLookup.ExistsAsync(admin, creator, cancellationToken);
        }
        catch (CliException)
        {
            return true;
        }
    }
}
