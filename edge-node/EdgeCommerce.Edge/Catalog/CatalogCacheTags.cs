namespace EdgeCommerce.Edge.Catalog;

/// <summary>
/// Output-cache tags of responses derived from a creator (the public drop list, see
/// <see cref="Shop.CreatorDropsCachePolicy"/>); <see cref="Sync.ReplicaUpdater"/> evicts the tag of
/// every creator that changed.
/// </summary>
internal static class CatalogCacheTags
{
    public static string Creator(string creatorId) => "creator:" + creatorId;
}
