using EdgeCommerce.Edge.OriginLink;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Edge.Tests.OriginLink;

/// <summary>The pipeline of the edge's calls to the origin on a fake clock: failover between replicas, transitions as log lines and metrics.</summary>
public sealed class OriginCallsTests : IDisposable
{
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_breakDuration = TimeSpan.FromSeconds(1);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 19, 0, 0, TimeSpan.Zero));
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeLogger _logger = new();
    private readonly OriginLinkMetrics _metrics;
    private readonly OriginCalls _calls;

    public OriginCallsTests()
    {
        _metrics = new OriginLinkMetrics(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        _calls = new OriginCalls(["http://origin-a", "http://origin-b"], Options.Create(new OriginCallOptions { CallTimeout = s_callTimeout, BreakDuration = s_breakDuration }),
            _time, _metrics, _logger);
    }

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    /// <summary>Catches a hung replica that every call waits out (instead of skipping it once its circuit is open) and a preference that never moves.</summary>
    [Fact]
    public async Task CallAsync_FirstReplicaHangs_TimesOutOnceThenGoesStraightToTheSecond()
    {
        // Arrange
        var reached = new int[2];
        Task<int> Call(int index, int state, CancellationToken token)
        {
            Interlocked.Increment(ref reached[index]);
            return index == 0 ? Hang(token) : Task.FromResult(state);
        }

        // Act
        var first = _calls.CallAsync(Call, 1, CancellationToken);
        await WaitUntilAsync(() => Volatile.Read(ref reached[0]) == 1);
        _time.Advance(s_callTimeout);
        var firstAnswer = await first;
        var second = await _calls.CallAsync(Call, 2, CancellationToken);

        // Assert
        Assert.Equal((1, 2), (firstAnswer, second));
        Assert.Equal([1, 2], reached);
    }

    [Fact]
    public async Task CallAsync_EveryReplicaUnavailable_OpensBothCircuitsWithOneLogLineAndGaugeEachAndThrowsWithRetryAfter()
    {
        // Arrange
        using var states = new MetricCollector<int>(_services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), OriginLinkMetrics.MeterName, "edgecommerce.origin.circuit.state");
        static Task<int> Down(int index, int state, CancellationToken token) => throw new RpcException(new Status(StatusCode.Unavailable, "down"));

        // Act: two calls fail on both replicas (the minimum throughput); the third is refused without a call.
        await Assert.ThrowsAsync<OriginUnavailableException>(() => _calls.CallAsync(Down, 0, CancellationToken));
        await Assert.ThrowsAsync<OriginUnavailableException>(() => _calls.CallAsync(Down, 0, CancellationToken));
        var refused = await Assert.ThrowsAsync<OriginUnavailableException>(() => _calls.CallAsync<int, int>(static (_, _, _) => throw new InvalidOperationException("must not be called"), 0, CancellationToken));
        states.RecordObservableInstruments();

        // Assert
        Assert.True(refused.CircuitOpen);
        Assert.Equal(s_breakDuration, refused.RetryAfter);
        Assert.Equal(2, _logger.Collector.GetSnapshot().Count(static r => r.Id.Id == 1300));
        Assert.All(states.GetMeasurementSnapshot(), static m => Assert.Equal((int)OriginCircuitState.Open, m.Value));
        Assert.Equal(2, states.GetMeasurementSnapshot().Count);
    }

    [Fact]
    public async Task CallAsync_AfterTheBreak_OneProbeClosesTheCircuit()
    {
        // Arrange
        static Task<int> Down(int index, int state, CancellationToken token) => throw new RpcException(new Status(StatusCode.Unavailable, "down"));
        await Assert.ThrowsAsync<OriginUnavailableException>(() => _calls.CallAsync(Down, 0, CancellationToken));
        await Assert.ThrowsAsync<OriginUnavailableException>(() => _calls.CallAsync(Down, 0, CancellationToken));
        _time.Advance(s_breakDuration);

        // Act
        var answer = await _calls.CallAsync(static (_, state, _) => Task.FromResult(state), 7, CancellationToken);

        // Assert: half-open then closed, one line each, for the replica that answered the probe.
        Assert.Equal(7, answer);
        Assert.Equal(OriginCircuitState.Closed, _calls.StateOf(0));
        var ids = _logger.Collector.GetSnapshot().Select(static r => r.Id.Id).ToList();
        Assert.Equal(1, ids.Count(static id => id == 1301));
        Assert.Equal(1, ids.Count(static id => id == 1302));
    }

    public void Dispose()
    {
        _metrics.Dispose();
        _services.Dispose();
    }

    private static async Task<int> Hang(CancellationToken token)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, token);
        return -1;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 10_000 && !condition(); i++)
        {
            await Task.Delay(1, CancellationToken);
        }

        Assert.True(condition());
    }
}
