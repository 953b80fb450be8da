using EdgeCommerce.Contracts;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Keys;

/// <summary>Signing keys (list, rotate, revoke) and token minting: <c>/admin/v1/keys</c>, <c>/admin/v1/tokens</c>.</summary>
internal static class KeysApi
{
    public static IEndpointRouteBuilder MapKeysApi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);

        var keys = endpoints.MapGroup("/admin/v1/keys").WithTags("Keys")
            .RequireScope(Scopes.AdminKeys)
            .RequirePlatformOperator();
        keys.MapGet("/", ListKeys).WithName("ListKeys").WithSummary("The signing keys: when each was published, signs, retires; whether revoked. Never key material.");
        keys.MapPost("/rotate", Rotate).WithName("RotateKeys").WithSummary("Publishes a new key; signing moves to it once every connected edge has it (or after Keys:PublishLead).");
        keys.MapPost("/{keyId}/revoke", Revoke).WithName("RevokeKey").WithSummary("Removes a key at once: tokens it signed are refused everywhere as soon as edges apply the change.");

        endpoints.MapPost("/admin/v1/tokens", MintToken)
            .RequireScope(Scopes.AdminKeys)
            .RequirePlatformOperator()
            .WithTags("Keys")
            .WithName("MintToken")
            .WithSummary("Mints an access token (for admins, scripts, tests and edges).");
        return endpoints;
    }

    internal static Ok<KeyListResponse> ListKeys(SigningKeyManager keys)
    {
        var signing = keys.TrySigningKey()?.KeyId;
        return TypedResults.Ok(new KeyListResponse(keys.Issuer, keys.Keys
            .Select(key => new KeyView(key.KeyId, key.CreatedAt, key.PublishedRevision, key.SigningFrom, key.RetireAt, key.Revoked, key.KeyId == signing))
            .ToList()));
    }

    internal static async Task<Ok<RotateResponse>> Rotate(SigningKeyManager keys, CancellationToken cancellationToken)
        => TypedResults.Ok(new RotateResponse(await keys.RotateAsync(cancellationToken)));

    internal static async Task<Results<Ok<RevokeResponse>, ProblemHttpResult>> Revoke(string keyId, SigningKeyManager keys, BootstrapToken bootstrapToken, CancellationToken cancellationToken)
    {
        if (!await keys.RevokeAsync(keyId, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such published key.");
        }

        await bootstrapToken.WriteIfConfiguredAsync(cancellationToken);
        return TypedResults.Ok(new RevokeResponse(keyId));
    }

    internal static async Task<Results<Ok<TokenResponse>, ProblemHttpResult>> MintToken(MintTokenRequest request, AccessTokenIssuer issuer, IOptions<AccessTokenOptions> tokenOptions, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var subject = request.Subject ?? "";
        TokenRules.CheckSubject(subject, "subject", errors);

        if (request.CreatorId is { } creator && !Identifiers.IsValid(creator))
        {
            errors["creatorId"] = [Identifiers.Rule];
        }

        var scopes = (request.Scopes ?? []).Distinct(StringComparer.Ordinal).ToList();
        if (scopes.Count == 0 || scopes.Any(scope => !Scopes.All.Contains(scope)))
        {
            errors["scopes"] = ["must list one or more of: " + string.Join(' ', Scopes.All.Order(StringComparer.Ordinal))];
        }
        else if (request.CreatorId is not null && scopes.Contains(Scopes.AdminPlatform))
        {
            errors["scopes"] = ["admin:platform is for platform operators: a token for one creator cannot carry it"];
        }

        TokenRules.CheckLifetime(request.TtlSeconds, tokenOptions.Value.MaxLifetime, errors);

        var audience = request.Audience switch
        {
            null or "edge" => Audiences.Edge,
            "origin" => Audiences.Origin,
            _ => null,
        };
        if (audience is null)
        {
            errors["audience"] = ["must be 'edge' or 'origin'"];
        }

        TokenRules.CheckTier(request.Tier, errors);
        if (errors.Count > 0)
        {
            return TokenRules.Invalid(errors);
        }

        var (token, expiresAt) = await issuer.MintAsync(new TokenRequest(subject, request.CreatorId, scopes,
            TimeSpan.FromSeconds(request.TtlSeconds ?? 900), audience!, request.Tier), cancellationToken);
        return TypedResults.Ok(new TokenResponse(token, expiresAt));
    }
}

/// <summary>The checks every minted token's request shares, each error keyed by its JSON member.</summary>
internal static class TokenRules
{
    public static void CheckSubject(string subject, string member, Dictionary<string, string[]> errors)
    {
        if (subject.Length is 0 or > 128 || subject.Any(char.IsControl))
        {
            errors[member] = ["must be 1-128 characters without control characters"];
        }
    }

    public static void CheckLifetime(long? ttlSeconds, TimeSpan max, Dictionary<string, string[]> errors)
    {
        var maxSeconds = (long)max.TotalSeconds;
        if (ttlSeconds is < 1 || ttlSeconds > maxSeconds)
        {
            errors["ttlSeconds"] = [$"must be between 1 and {maxSeconds}"];
        }
    }

    public static void CheckTier(string? tier, Dictionary<string, string[]> errors)
    {
        if (tier is not null && (tier.Length is 0 or > 64 || !Identifiers.IsValid(tier)))
        {
            errors["tier"] = ["must be 1-64 characters of ASCII letters, digits, '.', '_' or '-'"];
        }
    }

    public static ProblemHttpResult Invalid(Dictionary<string, string[]> errors)
        => TypedResults.Problem(new HttpValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status422UnprocessableEntity,
            Title = "The token request is invalid.",
        });
}

/// <param name="TtlSeconds">Lifetime in seconds; the default is 900 (15 minutes).</param>
/// <param name="Audience"><c>edge</c> (the default) or <c>origin</c>.</param>
internal sealed record MintTokenRequest(string? Subject, string? CreatorId, IReadOnlyList<string>? Scopes, long? TtlSeconds, string? Audience, string? Tier);

internal sealed record TokenResponse(string Token, DateTimeOffset ExpiresAt);

internal sealed record KeyListResponse(string Issuer, IReadOnlyList<KeyView> Keys);

internal sealed record KeyView(string KeyId, DateTimeOffset CreatedAt, long PublishedRevision, DateTimeOffset SigningFrom, DateTimeOffset? RetireAt, bool Revoked, bool Signing);

internal sealed record RotateResponse(string KeyId);

internal sealed record RevokeResponse(string KeyId);
