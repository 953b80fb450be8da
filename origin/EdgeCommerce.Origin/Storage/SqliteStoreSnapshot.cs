using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;

namespace EdgeCommerce.Origin.Storage;

/// <summary>A WAL read transaction streaming catalogs one row at a time; disposing ends the read.</summary>
internal sealed class SqliteStoreSnapshot(SqliteConnection connection, SqliteTransaction transaction, long revision, int creatorCount, byte[]? keySet, IReadOnlyList<byte[]> drops) : IStoreSnapshot
{
    public IReadOnlyList<byte[]> Drops { get; } = drops;

    public byte[]? KeySet { get; } = keySet;

    public long Revision { get; } = revision;

    public int CreatorCount { get; } = creatorCount;

    public async IAsyncEnumerable<byte[]> ReadCatalogsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = "SELECT payload FROM catalogs ORDER BY creator_id;";
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return (byte[])reader.GetValue(0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await transaction.DisposeAsync();
        await connection.DisposeAsync();
    }
}
