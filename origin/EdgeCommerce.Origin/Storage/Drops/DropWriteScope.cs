using System.Data.Common;

namespace EdgeCommerce.Origin.Storage.Drops;

/// <summary>
/// One drop write transaction, opened by a store under its write lock (SQLite: the write gate and
/// <c>BEGIN IMMEDIATE</c>; PostgreSQL: the head row <c>FOR UPDATE</c>), so <see cref="Head"/> is
/// current and the first revision it writes is <c>Head + 1</c>. Each change record takes the next
/// revision: a group commit of lease grants writes one per grant, in order.
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

    /// <summary>The last revision this transaction wrote; 0 when it wrote no change record.</summary>
    public long Revision { get; private set; }

    public long NextRevision => (Revision == 0 ? Head : Revision) + 1;

    public async Task AppendChangeAsync(string creatorId, byte[] payload, CancellationToken cancellationToken)
    {
        var revision = NextRevision;
        await appendChange(revision, creatorId, ChangeKind.DropChanged, payload, cancellationToken);
        Revision = revision;
    }
}
