namespace EdgeCommerce.Cli.Common;

/// <summary>The answer of <c>GET /admin/v1/creators</c>.</summary>
internal sealed record CreatorList(IReadOnlyList<CreatorSummary> Creators);

internal sealed record CreatorSummary(string Id, long Revision, int Products);
