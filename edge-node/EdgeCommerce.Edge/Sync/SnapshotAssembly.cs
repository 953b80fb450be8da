using System.Globalization;
using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// Collects a chunked snapshot (protocol 2) aside from the live replica. Only a complete one,
/// whose end matches its beginning, becomes a <see cref="Snapshot"/>: a stream that breaks halfway
/// leaves the old replica serving.
/// </summary>
internal sealed class SnapshotAssembly(SnapshotBegin begin)
{
    private readonly Snapshot _snapshot = new() { Revision = begin.Revision };

    public void Add(SnapshotChunk chunk)
    {
        _snapshot.Creators.Add(chunk.Creators);
        if (_snapshot.Creators.Count > begin.Creators)
        {
            throw new ReplicaApplyException(string.Create(CultureInfo.InvariantCulture,
                $"The snapshot announced {begin.Creators} creators but sent more."));
        }
    }

    public Snapshot Complete(SnapshotEnd end)
    {
        if (end.Revision != begin.Revision || end.Creators != begin.Creators || _snapshot.Creators.Count != begin.Creators)
        {
            throw new ReplicaApplyException(string.Create(CultureInfo.InvariantCulture,
                $"The snapshot began at revision {begin.Revision} with {begin.Creators} creators but ended at {end.Revision} with {_snapshot.Creators.Count} received."));
        }

        _snapshot.Keys = end.Keys;
        _snapshot.Drops.Add(end.Drops);
        _snapshot.Model = end.Model;
        return _snapshot;
    }
}
