using EdgeCommerce.Contracts;

namespace EdgeCommerce.Origin.Tests.Drops;

/// <summary>The shared latency buckets edges count drop calls in, and the P95 the report reads from their sum.</summary>
public sealed class DropLatencyHistogramTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.51)]
    [InlineData(3.7)]
    [InlineData(250)]
    [InlineData(30_000)]
    public void IndexOf_PutsAValueInTheFirstBucketWhoseBoundHoldsIt(double ms)
    {
        // Act
        var index = DropLatencyHistogram.IndexOf(ms);

        // Assert
        Assert.True(DropLatencyHistogram.UpperBound(index) >= ms);
        Assert.True(index == 0 || DropLatencyHistogram.UpperBound(index - 1) < ms);
    }

    [Fact]
    public void Quantile_OfMergedEdges_IsThePercentileOfAllTheirCalls()
    {
        // Arrange: edge A answered 90 calls in ~2 ms, edge B 10 calls in ~400 ms: the 95th call overall is one of B's.
        var merged = new long[DropLatencyHistogram.BucketCount];
        merged[DropLatencyHistogram.IndexOf(2)] += 90;
        merged[DropLatencyHistogram.IndexOf(400)] += 10;

        // Act
        var p95 = DropLatencyHistogram.Quantile(merged, 0.95);

        // Assert
        Assert.InRange(p95!.Value, DropLatencyHistogram.UpperBound(DropLatencyHistogram.IndexOf(400) - 1), DropLatencyHistogram.UpperBound(DropLatencyHistogram.IndexOf(400)));
        Assert.Null(DropLatencyHistogram.Quantile(new long[4], 0.95));
    }
}
