using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Storage;

namespace EdgeCommerce.Origin.Sync;

/// <summary>
/// The change log as the sync streams read it, read once per revision for all of them. After a
/// write every connected stream wakes and asks for the changes after the same revision: the first
/// ask reads the store and builds the <see cref="ChangeBatch"/>, the others (concurrent or later)
/// share that result instead of N store reads and N parses of the same payloads.
/// </summary>
/// <remarks>
/// Sharing is safe because committed change records never change: a result that is not empty and
/// starts right after the revision asked for is a correct prefix of the log for anyone asking from
/// that revision (a stream that gets a shorter prefix than a fresh read would have given reads again
/// as soon as the revision signal says there is more, which it does: its wait was taken before the
/// read). Empty results are never kept (the next write must be
/// seen), nor results that do not start right after the revision asked (compaction: the stream
/// decides what to do with a fresh read), nor large ones (a catch-up read of many catalogs), so the
/// memory held is bounded: at most <see cref="Capacity"/> results of at most
/// <see cref="MaxKeptPayloadBytes"/> stored bytes each. The built batch is shared between streams
/// and must not be mutated (gRPC only serializes it).
/// </remarks>
internal sealed class ChangeFeed(IOriginStore store)
{
    /// <summary>Results kept: streams a few revisions behind the others still share their reads.</summary>
    internal const int Capacity = 4;

    /// <summary>A result whose stored payloads exceed this many bytes is not kept once read.</summary>
    internal const int MaxKeptPayloadBytes = 1024 * 1024;

    private readonly Lock _gate = new();
    private readonly List<Entry> _recent = new(Capacity + 1);
    private long _storeReads;

    /// <summary>How many times the store was read (for tests and benchmarks: one per revision, not one per stream).</summary>
    public long StoreReads => Interlocked.Read(ref _storeReads);

    /// <summary>The bytes of the model the changes activate, read and encoded once for every stream as well.</summary>
    public ModelChunks Models { get; } = new();

    /// <summary>
    /// The changes after <paramref name="afterRevision"/> (at most <paramref name="maxCount"/>) and
    /// their batch for the wire (null when there are none).
    /// </summary>
    public Task<ChangeFeedRead> ReadAfterAsync(long afterRevision, int maxCount, CancellationToken cancellationToken)
    {
        TaskCompletionSource<ChangeFeedRead> read;
        lock (_gate)
        {
            foreach (var entry in _recent)
            {
                if (entry.AfterRevision == afterRevision && entry.MaxCount == maxCount)
                {
                    return entry.Read.Task.IsCompleted ? entry.Read.Task : entry.Read.Task.WaitAsync(cancellationToken);
                }
            }

            read = new TaskCompletionSource<ChangeFeedRead>(TaskCreationOptions.RunContinuationsAsynchronously);
            _recent.Add(new Entry(afterRevision, maxCount, read));
            if (_recent.Count > Capacity)
            {
                _recent.RemoveAt(0);
            }
        }

        return ReadAsync(afterRevision, maxCount, read, cancellationToken);
    }

    private async Task<ChangeFeedRead> ReadAsync(long afterRevision, int maxCount, TaskCompletionSource<ChangeFeedRead> read, CancellationToken cancellationToken)
    {
        ChangeFeedRead result;
        try
        {
            Interlocked.Increment(ref _storeReads);
            // Not the caller's token: others may be waiting for this read after the caller hung up.
            var records = await store.ReadChangesAsync(afterRevision, maxCount, CancellationToken.None);
            // Encoded here, once, before any stream sees it: each stream's write then only copies the bytes.
            result = new ChangeFeedRead(records, records.Count > 0 ? new WatchResponse { Changes = ToBatch(afterRevision, records) }.Encode() : null);
        }
        catch (Exception ex)
        {
            Forget(read);
            read.TrySetException(ex);
            throw;
        }

        if (result.Records.Count == 0 || result.Records[0].Revision != afterRevision + 1 || PayloadBytes(result.Records) > MaxKeptPayloadBytes)
        {
            Forget(read);
        }

        read.TrySetResult(result);
        cancellationToken.ThrowIfCancellationRequested();
        return result;
    }

    private void Forget(TaskCompletionSource<ChangeFeedRead> read)
    {
        lock (_gate)
        {
            _recent.RemoveAll(entry => ReferenceEquals(entry.Read, read));
        }
    }

    private static long PayloadBytes(IReadOnlyList<ChangeRecord> records)
    {
        long bytes = 0;
        foreach (var record in records)
        {
            bytes += record.Payload.Length;
        }

        return bytes;
    }

    /// <summary>The stored records as the wire batch that follows <paramref name="previousRevision"/>.</summary>
    internal static ChangeBatch ToBatch(long previousRevision, IReadOnlyList<ChangeRecord> records)
    {
        var batch = new ChangeBatch { PreviousRevision = previousRevision, Revision = records[^1].Revision };
        foreach (var record in records)
        {
            var change = new Change { Revision = record.Revision };
            switch (record.Kind)
            {
                case ChangeKind.CatalogUpserted:
                    change.CatalogUpserted = CreatorCatalog.Parser.ParseFrom(record.Payload);
                    break;
                case ChangeKind.CreatorDeleted:
                    change.CreatorDeleted = new CreatorDeleted { CreatorId = record.CreatorId };
                    break;
                case ChangeKind.KeysChanged:
                    change.KeysChanged = KeySet.Parser.ParseFrom(record.Payload);
                    break;
                case ChangeKind.DropChanged:
                    change.DropChanged = DropState.Parser.ParseFrom(record.Payload);
                    break;
                case ChangeKind.ModelActivated:
                    change.ModelActivated = ModelActivation.Parser.ParseFrom(record.Payload);
                    break;
                default:
                    throw new InvalidDataException($"Unknown change kind {record.Kind} at revision {record.Revision}.");
            }

            batch.Changes.Add(change);
        }

        return batch;
    }

    private readonly record struct Entry(long AfterRevision, int MaxCount, TaskCompletionSource<ChangeFeedRead> Read);
}

/// <summary>
/// What a stream gets from <see cref="ChangeFeed"/>: the stored records and, when there are any,
/// the response carrying their batch, already encoded for the wire (shared: never mutate it).
/// </summary>
internal sealed record ChangeFeedRead(IReadOnlyList<ChangeRecord> Records, WatchResponse? Response)
{
    /// <summary>The batch inside <see cref="Response"/>.</summary>
    public ChangeBatch? Batch => Response?.Changes;
}
