using System.Runtime.CompilerServices;
using Npgsql;

namespace EdgeCommerce.Origin.Storage.Postgres;

/// <summary>
/// A REPEATABLE READ, read-only transaction streaming catalogs row by row (Npgsql reads rows off
/// the socket as the caller asks for them); disposing ends the transaction and returns the connection.
/// </summary>
internal sealed class PostgresStoreSnapshot(NpgsqlConnection connection, NpgsqlTransaction transaction, long revision, int creatorCount, byte[]? keySet, IReadOnlyList<byte[]> drops) : IStoreSnapshot
{
    public IReadOnlyList<byte[]> Drops { get; } = drops;

    public byte[]? KeySet { get; } = keySet;

    public long Revision { get; } = revision;

    public int CreatorCount { get; } = creatorCount;

    public async IAsyncEnumerable<byte[]> ReadCatalogsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // COLLATE "C": byte order, the same order the SQLite store and the edges use.
        await using var select = new NpgsqlCommand("SELECT payload FROM catalogs ORDER BY creator_id COLLATE \"C\";", connection, transaction);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return reader.GetFieldValue<byte[]>(0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
