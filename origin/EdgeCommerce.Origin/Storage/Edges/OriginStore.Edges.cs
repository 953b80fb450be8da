using static EdgeCommerce.Origin.Storage.StoreSql;

namespace EdgeCommerce.Origin.Storage;

/// <summary>The edge registry: what each edge last reported, for lag and placement.</summary>
internal sealed partial class OriginStore
{
    public async Task RecordEdgesAsync(IReadOnlyCollection<EdgeRecord> edges, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(edges);
        if (edges.Count == 0)
        {
            return;
        }

        // No write lock (no change record) and no wait for durability: a registry update lost in
        // a crash only makes an edge's lag look older.
        var upserts = new List<SqlStatement>(edges.Count);
        foreach (var edge in edges)
        {
            upserts.Add(new("""
                INSERT INTO edges (id, region, public_url, protocol_version, applied_revision, connected, last_contact_ms, last_rejection)
                VALUES (@id, @region, @url, @version, @applied, @connected, @contact, @rejection)
                ON CONFLICT (id) DO UPDATE SET
                    region = excluded.region, public_url = excluded.public_url, protocol_version = excluded.protocol_version,
                    applied_revision = excluded.applied_revision, connected = excluded.connected,
                    last_contact_ms = excluded.last_contact_ms, last_rejection = excluded.last_rejection;
                """,
                ("id", edge.Id), ("region", edge.Region), ("url", edge.PublicUrl), ("version", edge.ProtocolVersion),
                ("applied", edge.AppliedRevision), ("connected", edge.Connected),
                ("contact", edge.LastContact.ToUnixTimeMilliseconds()), ("rejection", (object?)edge.LastRejection ?? DBNull.Value)));
        }

        await WriteRelaxedAsync(upserts, cancellationToken);
    }

    public async Task<IReadOnlyList<EdgeRecord>> ListEdgesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        await using var select = Command(connection, null,
            $"SELECT id, region, public_url, protocol_version, applied_revision, connected, last_contact_ms, last_rejection FROM edges ORDER BY id {Dialect.ByteOrder};");
        return await StoreRows.ReadAllAsync(select, StoreRows.Edge, cancellationToken);
    }
}
