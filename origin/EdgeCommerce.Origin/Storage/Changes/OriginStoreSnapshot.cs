using System.Data.Common;
using System.Runtime.CompilerServices;

namespace EdgeCommerce.Origin.Storage;

/// <summary>
/// A read-snapshot transaction (<see cref="Dialects.StoreDialect.BeginSnapshotAsync"/>) streaming
/// catalogs one row at a time, in byte order of creator; disposing ends the read and returns the connection.
/// </summary>
internal sealed class OriginStoreSnapshot(
    DbConnection connection, DbTransaction transaction, string selectCatalogs, long revision, int creatorCount, byte[]? keySet, IReadOnlyList<byte[]> drops) : IStoreSnapshot
{
    public IReadOnlyList<byte[]> Drops { get; } = drops;

    public byte[]? KeySet { get; } = keySet;

    public long Revision { get; } = revision;

    public int CreatorCount { get; } = creatorCount;

    public async IAsyncEnumerable<byte[]> ReadCatalogsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var select = StoreSql.Command(connection, transaction, selectCatalogs);
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
