using EdgeCommerce.Edge.Sync;

namespace EdgeCommerce.Edge.Tests.Sync;

public sealed class SyncWorkerTests
{
    private const int Samples = 500;

    private static readonly SyncOptions s_options = new()
    {
        InitialBackoff = TimeSpan.FromMilliseconds(100),
        MaxBackoff = TimeSpan.FromSeconds(5),
    };

    [Theory]
    [InlineData(0, 100)]
    [InlineData(1, 200)]
    [InlineData(2, 400)]
    [InlineData(3, 800)]
    [InlineData(5, 3200)]
    public void Backoff_BelowCap_StaysWithinHalfCeilingAndCeiling(int failures, double ceilingMs)
    {
        // Arrange
        var ceiling = TimeSpan.FromMilliseconds(ceilingMs);

        // Act
        var delays = Sample(failures);

        // Assert
        Assert.All(delays, delay => Assert.InRange(delay, ceiling / 2, ceiling));
        Assert.True(delays.Distinct().Count() > 1, "Backoff is expected to be jittered.");
    }

    [Fact]
    public void Backoff_EachFailure_DoublesTheRange()
    {
        // Arrange
        var previous = Sample(0);

        for (var failures = 1; failures <= 5; failures++)
        {
            // Act
            var current = Sample(failures);

            // Assert: equal jitter over [c/2, c] then [c, 2c]: every delay is at least any earlier one.
            Assert.True(current.Min() >= previous.Max(), $"failures={failures}: {current.Min()} < {previous.Max()}");
            Assert.True(current.Max() <= previous.Min() * 4, $"failures={failures}: {current.Max()} > 4 x {previous.Min()}");
            previous = current;
        }
    }

    [Theory]
    [InlineData(6)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(1000)]
    [InlineData(int.MaxValue)]
    public void Backoff_ManyFailures_CappedAtMaxBackoff(int failures)
    {
        // Arrange
        var max = s_options.MaxBackoff;

        // Act
        var delays = Sample(failures);

        // Assert
        Assert.All(delays, delay => Assert.InRange(delay, max / 2, max));
    }

    [Fact]
    public void Backoff_LongestConfigurableRange_CapsBeforeOverflow()
    {
        // Arrange: the widest range the options allow.
        var options = new SyncOptions { InitialBackoff = TimeSpan.FromMilliseconds(10), MaxBackoff = TimeSpan.FromMinutes(10) };

        // Act
        var delays = Enumerable.Range(0, Samples).Select(_ => SyncWorker.Backoff(options, int.MaxValue)).ToArray();

        // Assert: 10 ms x 2^16 is past 10 minutes, so the cap holds.
        Assert.All(delays, delay => Assert.InRange(delay, options.MaxBackoff / 2, options.MaxBackoff));
    }

    private static TimeSpan[] Sample(int failures)
        => [.. Enumerable.Range(0, Samples).Select(_ => SyncWorker.Backoff(s_options, failures))];
}
