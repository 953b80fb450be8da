using System.Collections.Concurrent;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.ServiceDefaults.Authentication;
using Grpc.Core;

namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// RSVPs and the early-access audience. An RSVP is recorded at the origin, so one taken by any
/// edge opens early access on all; the viewers known to have RSVP'd (through this edge, or as the
/// origin answered) are kept, since an RSVP is never withdrawn.
/// </summary>
internal sealed class DropRsvps(IDropInventoryOrigin origin, DropMetrics metrics, ILogger logger)
{
    private readonly ConcurrentDictionary<(string DropId, string Creator, string Viewer), byte> _known = new();

    public int Count => _known.Count;

    /// <summary>RSVPs of the drop this edge recorded or learned of (its viewers who said they would come).</summary>
    public int CountFor(string dropId)
    {
        // Enumerated without locking or copying (.Keys would take every bucket lock).
        var count = 0;
        foreach (var ((knownDrop, _, _), _) in _known)
        {
            if (string.Equals(knownDrop, dropId, StringComparison.Ordinal))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The drops with a known RSVP (for finding the ones that are over).</summary>
    public IEnumerable<string> DropIds()
    {
        foreach (var ((dropId, _, _), _) in _known)
        {
            yield return dropId;
        }
    }

    /// <summary>Records the viewer's RSVP to <paramref name="drop"/> (a drop of the token's creator, not closed).</summary>
    public async Task<RsvpStatus> RsvpAsync(AccessToken token, DropState drop, CancellationToken cancellationToken)
    {
        if (_known.ContainsKey((drop.DropId, drop.CreatorId, token.Subject)))
        {
            return RsvpStatus.Recorded;
        }

        try
        {
            await origin.RsvpAsync(new RsvpRequest { DropId = drop.DropId, Viewer = token.Subject }, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return RsvpStatus.NotFound;
        }
        catch (OriginUnavailableException ex)
        {
            DropsLog.Unreachable(logger, "Rsvp", ex);
            return RsvpStatus.OriginUnreachable;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            DropsLog.OriginCallFailed(logger, "Rsvp", ex.StatusCode.ToString());
            return RsvpStatus.Unavailable;
        }

        _known.TryAdd((drop.DropId, drop.CreatorId, token.Subject), 0);
        metrics.Rsvp();
        return RsvpStatus.Recorded;
    }

    /// <summary>Whether the viewer is in the drop's early-access audience (its creator's <c>tier:NAME</c>, or an RSVP). Throws what the origin call throws.</summary>
    public async Task<bool> IsEarlyAudienceAsync(AccessToken token, DropState drop, CancellationToken cancellationToken)
    {
        var audience = drop.EarlyAccessAudience;
        if (audience.StartsWith("tier:", StringComparison.Ordinal))
        {
            // A tier is a membership of the token's own creator: it never opens another creator's drop.
            return token.IsViewerOf(drop.CreatorId) && token.Tier is { } tier && string.Equals(tier, audience["tier:".Length..], StringComparison.Ordinal);
        }

        if (audience != "rsvp")
        {
            return false;
        }

        if (_known.ContainsKey((drop.DropId, drop.CreatorId, token.Subject)))
        {
            return true;
        }

        // RSVPed through another edge: the origin knows. Positive answers are kept (an RSVP is never withdrawn).
        var reply = await origin.HasRsvpAsync(new RsvpRequest { DropId = drop.DropId, Viewer = token.Subject }, cancellationToken);
        if (reply.Rsvped)
        {
            _known.TryAdd((drop.DropId, drop.CreatorId, token.Subject), 0);
        }

        return reply.Rsvped;
    }

    /// <summary>Forgets the RSVPs of the drops that are over.</summary>
    public void Evict(IReadOnlySet<string> over)
    {
        foreach (var (key, _) in _known)
        {
            if (over.Contains(key.DropId))
            {
                _known.TryRemove(key, out _);
            }
        }
    }
}
