using System.Collections.Immutable;
using System.Globalization;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// An immutable copy of every creator's catalog at one revision. Applying a snapshot or a batch
/// returns a new replica; readers hold whichever replica they read, without locks. The protobuf
/// catalogs inside are never mutated once applied.
/// </summary>
internal sealed class CatalogReplica
{
    private static readonly ImmutableDictionary<string, DropState> s_noDrops = ImmutableDictionary.Create<string, DropState>(StringComparer.Ordinal);

    private CatalogReplica(long revision, bool hasSnapshot, ImmutableDictionary<string, CreatorCatalog> creators, string clusterId, KeySet? keys, ImmutableDictionary<string, DropState>? drops = null, ModelActivation? model = null)
    {
        Drops = drops ?? s_noDrops;
        Model = model;
        Revision = revision;
        HasSnapshot = hasSnapshot;
        Creators = creators;
        ClusterId = clusterId;
        Keys = keys;
    }

    /// <summary>Nothing received yet: not ready to serve.</summary>
    public static CatalogReplica Empty { get; } = new(0, false, ImmutableDictionary.Create<string, CreatorCatalog>(StringComparer.Ordinal), "", null);

    /// <summary>The token signing keys and issuer as of <see cref="Revision"/>; null until the origin publishes any.</summary>
    public KeySet? Keys { get; }

    /// <summary>The active recommender model as of <see cref="Revision"/>; null until the origin activates one.</summary>
    public ModelActivation? Model { get; }

    /// <summary>The origin cluster this state came from; empty when unknown (a version 1 origin).</summary>
    public string ClusterId { get; }

    /// <summary>The last origin revision fully applied.</summary>
    public long Revision { get; }

    /// <summary>True once a snapshot (or a persisted state) was loaded: the replica can serve.</summary>
    public bool HasSnapshot { get; }

    public ImmutableDictionary<string, CreatorCatalog> Creators { get; }

    public CreatorCatalog? Find(string creatorId) => Creators.GetValueOrDefault(creatorId);

    /// <summary>Every drop by id, as of <see cref="Revision"/>.</summary>
    public ImmutableDictionary<string, DropState> Drops { get; }

    public DropState? FindDrop(string dropId) => Drops.GetValueOrDefault(dropId);

    /// <summary>This replica as a snapshot message (for persisting it).</summary>
    public Snapshot ToSnapshot()
    {
        var snapshot = new Snapshot { Revision = Revision, Keys = Keys, Model = Model };
        snapshot.Creators.Add(Creators.Values.OrderBy(static c => c.CreatorId, StringComparer.Ordinal));
        snapshot.Drops.Add(Drops.Values.OrderBy(static d => d.DropId, StringComparer.Ordinal));
        return snapshot;
    }

    /// <summary>Replaces everything with <paramref name="snapshot"/> from the origin cluster <paramref name="clusterId"/>.</summary>
    public ReplicaUpdate ApplySnapshot(Snapshot snapshot, string? clusterId = null)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Revision < 0)
        {
            throw new ReplicaApplyException("The snapshot has a negative revision.");
        }

        var builder = ImmutableDictionary.CreateBuilder<string, CreatorCatalog>(StringComparer.Ordinal);
        foreach (var catalog in snapshot.Creators)
        {
            ValidateCatalog(catalog, maxRevision: snapshot.Revision);
            if (!builder.TryAdd(catalog.CreatorId, catalog))
            {
                throw new ReplicaApplyException($"The snapshot lists creator '{catalog.CreatorId}' twice.");
            }
        }

        var creators = builder.ToImmutable();
        var changed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (id, catalog) in Creators)
        {
            if (!creators.TryGetValue(id, out var next) || next.Revision != catalog.Revision)
            {
                changed.Add(id);
            }
        }

        foreach (var (id, catalog) in creators)
        {
            if (!Creators.TryGetValue(id, out var previous) || previous.Revision != catalog.Revision)
            {
                changed.Add(id);
            }
        }

        var drops = ImmutableDictionary.CreateBuilder<string, DropState>(StringComparer.Ordinal);
        foreach (var drop in snapshot.Drops)
        {
            ValidateDrop(drop, maxRevision: snapshot.Revision);
            if (!drops.TryAdd(drop.DropId, drop))
            {
                throw new ReplicaApplyException($"The snapshot lists drop '{drop.DropId}' twice.");
            }
        }

        return new ReplicaUpdate(new CatalogReplica(snapshot.Revision, true, creators, clusterId ?? ClusterId, snapshot.Keys, drops.ToImmutable(), snapshot.Model), changed, 0);
    }

    /// <summary>
    /// Applies a batch that must follow this replica exactly: its previous revision is ours and
    /// its changes climb strictly up to its revision. Anything else means a lost, repeated or
    /// reordered message, and is refused whole so the stream can resume from <see cref="Revision"/>.
    /// </summary>
    public ReplicaUpdate ApplyBatch(ChangeBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (!HasSnapshot)
        {
            throw new ReplicaApplyException("A change batch arrived before any snapshot.");
        }

        if (batch.PreviousRevision != Revision)
        {
            throw new ReplicaApplyException(Invariant($"The batch follows revision {batch.PreviousRevision}, but this replica holds {Revision}."));
        }

        var creators = Creators.ToBuilder();
        var changed = new HashSet<string>(StringComparer.Ordinal);
        var keys = Keys;
        var drops = Drops;
        var model = Model;
        var last = Revision;
        foreach (var change in batch.Changes)
        {
            if (change.Revision <= last || change.Revision > batch.Revision)
            {
                throw new ReplicaApplyException(Invariant($"Change revision {change.Revision} is out of order after {last} (batch ends at {batch.Revision})."));
            }

            switch (change.KindCase)
            {
                case Change.KindOneofCase.CatalogUpserted:
                    var catalog = change.CatalogUpserted;
                    ValidateCatalog(catalog, maxRevision: change.Revision);
                    if (catalog.Revision != change.Revision)
                    {
                        throw new ReplicaApplyException(Invariant($"Catalog '{catalog.CreatorId}' says revision {catalog.Revision} inside change {change.Revision}."));
                    }

                    creators[catalog.CreatorId] = catalog;
                    changed.Add(catalog.CreatorId);
                    break;
                case Change.KindOneofCase.KeysChanged:
                    keys = change.KeysChanged;
                    break;
                case Change.KindOneofCase.DropChanged:
                    var drop = change.DropChanged;
                    ValidateDrop(drop, maxRevision: change.Revision);
                    if (drop.Revision != change.Revision)
                    {
                        throw new ReplicaApplyException(Invariant($"Drop '{drop.DropId}' says revision {drop.Revision} inside change {change.Revision}."));
                    }

                    drops = drops.SetItem(drop.DropId, drop);
                    break;
                case Change.KindOneofCase.ModelActivated:
                    model = change.ModelActivated;
                    break;
                case Change.KindOneofCase.CreatorDeleted:
                    var creatorId = change.CreatorDeleted.CreatorId;
                    creators.Remove(creatorId);
                    changed.Add(creatorId);
                    break;
                default:
                    throw new ReplicaApplyException(Invariant($"Change {change.Revision} has a kind this edge does not know ({change.KindCase})."));
            }

            last = change.Revision;
        }

        if (batch.Changes.Count > 0 && last != batch.Revision)
        {
            throw new ReplicaApplyException(Invariant($"The batch claims to end at {batch.Revision} but its last change is {last}."));
        }

        return new ReplicaUpdate(new CatalogReplica(Math.Max(batch.Revision, Revision), true, creators.ToImmutable(), ClusterId, keys, drops, model), changed, batch.Changes.Count);
    }

    private static void ValidateCatalog(CreatorCatalog catalog, long maxRevision)
    {
        if (!Identifiers.IsValid(catalog.CreatorId))
        {
            throw new ReplicaApplyException("A catalog has an invalid creator id.");
        }

        if (catalog.Revision <= 0 || catalog.Revision > maxRevision)
        {
            throw new ReplicaApplyException(Invariant($"Catalog '{catalog.CreatorId}' has revision {catalog.Revision}, outside 1..{maxRevision}."));
        }
    }

    private static void ValidateDrop(DropState drop, long maxRevision)
    {
        if (!Identifiers.IsValid(drop.DropId) || !Identifiers.IsValid(drop.CreatorId))
        {
            throw new ReplicaApplyException("A drop has an invalid drop or creator id.");
        }

        if (drop.Revision <= 0 || drop.Revision > maxRevision)
        {
            throw new ReplicaApplyException(Invariant($"Drop '{drop.DropId}' has revision {drop.Revision}, outside 1..{maxRevision}."));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>A new replica, the creators whose content changed, and how many changes it took.</summary>
internal readonly record struct ReplicaUpdate(CatalogReplica Replica, IReadOnlyCollection<string> ChangedCreators, int ChangesApplied);

/// <summary>The origin sent something this replica cannot apply; the stream must resume from the replica's revision.</summary>
internal sealed class ReplicaApplyException(string message) : Exception(message);
