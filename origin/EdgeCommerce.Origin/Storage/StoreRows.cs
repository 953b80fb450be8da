using System.Data.Common;

namespace EdgeCommerce.Origin.Storage;

/// <summary>
/// Row-to-record mapping shared by every store: both SQL schemas select the same columns in the
/// same order, so one reader per record type serves SQLite and PostgreSQL alike.
/// </summary>
internal static class StoreRows
{
    /// <summary>Runs <paramref name="select"/> and maps every row.</summary>
    public static async Task<IReadOnlyList<T>> ReadAllAsync<T>(DbCommand select, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(map(reader));
        }

        return rows;
    }

    /// <summary><c>creator_id, revision, product_count</c>.</summary>
    public static CreatorSummary Creator(DbDataReader reader) => new(reader.GetString(0), reader.GetInt64(1), reader.GetInt32(2));

    /// <summary><c>revision, creator_id, kind, payload</c>.</summary>
    public static ChangeRecord Change(DbDataReader reader)
        => new(reader.GetInt64(0), reader.GetString(1), (ChangeKind)reader.GetInt32(2), reader.GetFieldValue<byte[]>(3));

    /// <summary><c>id, region, public_url, protocol_version, applied_revision, connected, last_contact_ms, last_rejection</c>.</summary>
    public static EdgeRecord Edge(DbDataReader reader)
        => new(
            reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetInt64(4),
            reader.GetBoolean(5), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
            reader.IsDBNull(7) ? null : reader.GetString(7));

    /// <summary><c>kid, private_key, created_at_ms, published_revision, signing_from_ms, retire_at_ms, revoked</c>.</summary>
    public static SigningKeyRecord SigningKey(DbDataReader reader)
        => new(
            reader.GetString(0), reader.GetFieldValue<byte[]>(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)), reader.GetInt64(3),
            DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
            reader.IsDBNull(5) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
            reader.GetBoolean(6));
}
