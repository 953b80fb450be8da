namespace EdgeCommerce.Edge.Catalog;

/// <summary>
/// Output-cache tags of responses derived from a creator's catalog. The JSON widget no longer goes
/// through the output cache (it serves bytes rendered once per catalog revision, see
/// <see cref="WidgetCache"/>), but <see cref="Sync.ReplicaUpdater"/> still evicts this tag for every
/// changed creator, so any output-cached, creator-derived response tagged with it stays correct.
/// </summary>
internal static class CatalogCacheTags
{
    public static string Creator(string creatorId) => "creator:" + creatorId;
}
