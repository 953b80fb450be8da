namespace EdgeCommerce.Edge.Drops;

/// <summary>
/// What each viewer (creator, <c>sub</c>) may still reserve of a drop on this edge: the units they
/// hold or bought here, against the drop's per-viewer limit. Taken before the units are, given
/// back when a reservation ends unsold or is never made. The origin enforces the limit across
/// edges when a sale is confirmed.
/// </summary>
internal sealed class ViewerAllowance
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string DropId, string Creator, string Viewer), int> _units = [];

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _units.Count;
            }
        }
    }

    /// <summary>Whether the viewer's units of the drop reach <paramref name="limit"/>: they can take no more.</summary>
    public bool AtLimit(string dropId, string creator, string viewer, int limit)
    {
        lock (_gate)
        {
            return _units.GetValueOrDefault((dropId, creator, viewer)) >= limit;
        }
    }

    /// <summary>Counts <paramref name="quantity"/> more units for the viewer, unless that would go over <paramref name="limit"/>.</summary>
    public bool TryTake(string dropId, string creator, string viewer, int quantity, int limit)
    {
        lock (_gate)
        {
            var held = _units.GetValueOrDefault((dropId, creator, viewer));
            if (held + quantity > limit)
            {
                return false;
            }

            _units[(dropId, creator, viewer)] = held + quantity;
            return true;
        }
    }

    /// <summary>The viewer no longer holds <paramref name="quantity"/> units (a reservation ended unsold, or was never made).</summary>
    public void GiveBack(string dropId, string creator, string viewer, int quantity)
    {
        lock (_gate)
        {
            var units = _units.GetValueOrDefault((dropId, creator, viewer)) - quantity;
            if (units <= 0)
            {
                _units.Remove((dropId, creator, viewer));
            }
            else
            {
                _units[(dropId, creator, viewer)] = units;
            }
        }
    }

    /// <summary>Forgets the counts of the drops that are over.</summary>
    public void Evict(IReadOnlySet<string> over)
    {
        lock (_gate)
        {
            foreach (var key in _units.Keys.Where(key => over.Contains(key.DropId)).ToList())
            {
                _units.Remove(key);
            }
        }
    }
}
