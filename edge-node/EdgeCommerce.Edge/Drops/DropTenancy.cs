using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// The tenant check of every drop endpoint that takes a viewer token (reserve, RSVP, queue, ticket
/// status): a drop exists for a token only when the token is a viewer of the drop's creator
/// (<see cref="AccessToken.IsViewerOf"/>). Another creator's drop is answered exactly like one that
/// does not exist, before anything is recorded (reservation, RSVP, ticket, per-viewer count), so a
/// token minted by creator A's site learns nothing about B's drops and cannot act as B's viewers.
/// </summary>
internal static class DropTenancy
{
    /// <summary>The drop when <paramref name="token"/> is a viewer of its creator; null for no such drop and for another creator's alike.</summary>
    public static DropState? FindDropFor(this CatalogReplica replica, AccessToken token, string dropId)
        => replica.FindDrop(dropId) is { } drop && token.IsViewerOf(drop.CreatorId) ? drop : null;
}
