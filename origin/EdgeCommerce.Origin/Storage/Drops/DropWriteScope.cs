using System.Data.Common;

namespace EdgeCommerce.Origin.Storage.Drops;

/// <summary>
/// One drop write transaction, opened by a store under its write lock (SQLite: the write gate and
/// <c>BEGIN IMMEDIATE</c>; PostgreSQL: the head row <c>FOR UPDATE</c>), so <see cref="Head"/> is
/// current and the next revision is <c>Head + 1</c>. At most one change record per transaction.
/// </summary>
internal sealed class DropWriteScope(
    DbConnection connection,
    DbTransaction transaction,
    long head,
    Func<long, string, ChangeKind, byte[], CancellationToken, Task> appendChange)
{
    public DbConnection Connection { get; } = connection;

    public DbTransaction Transaction { get; } = transaction;

    public long Head { get; } = head;

    /// <summary>The revision this transaction wrote; 0 when it wrote no change record.</summary>
    public long Revision { get; private set; }

    public long NextRevision => Head + 1;

    public async Task AppendChangeAsync(string creatorId, byte[] payload, CancellationToken cancellationToken)
    {
        if (Revision != 0)
        {
            throw new InvalidOperationException("A drop write appends one change record at most.");
        }

        await appendChange(NextRevision, creatorId, ChangeKind.DropChanged, payload, cancellationToken);
        Revision = NextRevision;
    }
}
