using EdgeCommerce.Origin.Drops;
using EdgeCommerce.Origin.Storage.Drops;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Origin.Tests.Drops;

/// <summary>
/// Group commit of lease requests (issue 20): requests arriving while a lease transaction commits
/// go together into the next one, each answered with its own grant; a batch that fails is retried
/// one request per transaction, so only the request at fault fails.
/// </summary>
public sealed class LeaseBatchWriterTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly BatchingStore _store = new();
    private readonly LeaseBatchWriter _writer;

    public LeaseBatchWriterTests() => _writer = new LeaseBatchWriter(_store, new DropMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()));

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AcquireAsync_RequestsArrivingDuringACommit_CommitTogetherInTheNextTransaction()
    {
        // Arrange: the first transaction hangs until released.
        _store.HoldNext();
        var first = _writer.AcquireAsync(Ask("edge-0"), CancellationToken);
        await _store.Entered.Task.WaitAsync(CancellationToken);

        // Act
        var others = Enumerable.Range(1, 5).Select(i => _writer.AcquireAsync(Ask($"edge-{i}"), CancellationToken)).ToList();
        _store.Release();
        var grants = await Task.WhenAll([first, .. others]);

        // Assert: two transactions (1 request, then the 5 that waited), each caller its own grant.
        Assert.Equal([1, 5], _store.Batches);
        Assert.Equal(Enumerable.Range(0, 6).Select(static i => $"edge-{i}"), grants.Select(static g => g.LeaseId));
    }

    [Fact]
    public async Task AcquireAsync_OneRequestBreaksTheBatch_OnlyThatOneFails()
    {
        // Arrange
        _store.HoldNext();
        var first = _writer.AcquireAsync(Ask("edge-0"), CancellationToken);
        await _store.Entered.Task.WaitAsync(CancellationToken);
        var good = _writer.AcquireAsync(Ask("edge-1"), CancellationToken);
        var bad = _writer.AcquireAsync(Ask("broken"), CancellationToken);
        var alsoGood = _writer.AcquireAsync(Ask("edge-3"), CancellationToken);

        // Act
        _store.Release();

        // Assert: the batch of three failed as a whole, then each ran alone.
        Assert.Equal("edge-0", (await first).LeaseId);
        Assert.Equal("edge-1", (await good).LeaseId);
        Assert.Equal("edge-3", (await alsoGood).LeaseId);
        await Assert.ThrowsAsync<DropInvariantException>(() => bad);
        Assert.Equal([1, 3, 1, 1, 1], _store.Batches);
    }

    public void Dispose() => _services.Dispose();

    private static LeaseAsk Ask(string edgeId) => new("d1", "s1", edgeId, 4, DateTimeOffset.UnixEpoch, TimeSpan.FromMinutes(1), 10);

    /// <summary>A drop store whose lease transactions grant each ask a lease named after its edge, recording batch sizes.</summary>
    private sealed class BatchingStore : IDropStore
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _hold;

        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<int> Batches { get; } = [];

        public void HoldNext() => _hold = 1;

        public void Release() => _release.TrySetResult();

        public async Task<IReadOnlyList<LeaseGrant>> AcquireLeasesAsync(IReadOnlyList<LeaseAsk> asks, CancellationToken cancellationToken)
        {
            lock (Batches)
            {
                Batches.Add(asks.Count);
            }

            if (Interlocked.Exchange(ref _hold, 0) == 1)
            {
                Entered.TrySetResult();
                await _release.Task;
            }

            if (asks.Any(static a => a.EdgeId == "broken"))
            {
                throw new DropInvariantException("sold + leased would exceed the allocation");
            }

            return [.. asks.Select(static a => new LeaseGrant(LeaseRefusal.None, a.EdgeId, a.Units, a.Now + a.Duration, null, null))];
        }

        public Task<LeaseGrant> AcquireLeaseAsync(LeaseAsk ask, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DropWriteResult> PutDropAsync(DropWrite write, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<StoredDrop?> GetDropAsync(string dropId, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<StoredDrop>> ListDropsAsync(string creatorId, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DropWriteResult> CancelDropAsync(string creatorId, string dropId, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<int> ReturnLeaseAsync(string leaseId, int units, DateTimeOffset now, string? edgeId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<SaleResult> ConfirmSaleAsync(SaleRequest sale, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> RsvpAsync(string dropId, string viewer, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<bool> HasRsvpAsync(string dropId, string viewer, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<IReadOnlyList<SaleRecord>> ListSalesAsync(string dropId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<long> CountRsvpsAsync(string dropId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<ReclaimedLeases> ReclaimLeasesAsync(string edgeId, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<EdgeSale?> FindSaleAsync(string reservationId, string edgeId, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<SaleRecord?> CancelSaleAsync(string creatorId, string dropId, string reservationId, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task RecordFunnelsAsync(IReadOnlyList<EdgeFunnelReport> reports, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<DropReportFacts?> GetReportFactsAsync(string dropId, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();

        public Task<int> ReportHoldsAsync(string dropId, string edgeId, IReadOnlyList<LeaseHoldReport> holds, DateTimeOffset now, CancellationToken cancellationToken) => throw new NotSupportedException();
    }
}
