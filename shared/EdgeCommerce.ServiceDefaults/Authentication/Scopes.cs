namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>Every scope a token can carry. Matched exactly: no prefixes, no case folding.</summary>
public static class Scopes
{
    public const string RecommendationsRead = "recs:read";
    public const string DropRsvp = "drop:rsvp";
    public const string DropReserve = "drop:reserve";
    public const string AdminCatalog = "admin:catalog";
    public const string AdminDrops = "admin:drops";
    public const string AdminModels = "admin:models";
    public const string AdminKeys = "admin:keys";
    public const string EdgeSync = "edge:sync";

    /// <summary>Lets a creator's site mint short-lived viewer tokens for that creator.</summary>
    public const string AdminViewers = "admin:viewers";

    /// <summary>A platform operator: the only token that may see every creator, the edge registry and the keys. Never carries a creator.</summary>
    public const string AdminPlatform = "admin:platform";

    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        RecommendationsRead, DropRsvp, DropReserve, AdminCatalog, AdminDrops, AdminModels, AdminKeys, AdminViewers, EdgeSync, AdminPlatform,
    };
}

/// <summary>The two audiences: what edges accept and what the origin accepts.</summary>
public static class Audiences
{
    public const string Edge = "edgecommerce:edge";
    public const string Origin = "edgecommerce:origin";
}
