using EdgeCommerce.Origin.Drops;
using EdgeCommerce.Origin.Edges;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.Origin.Tests.Drops;

/// <summary>Each edge's share of the stock placed before a drop opens (issue 20): weighted by the buyers it expects.</summary>
public sealed class LeasePlacementPolicyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 19, 0, 0, TimeSpan.Zero));
    private readonly EdgeRegistry _registry;
    private readonly LeasePlacementPolicy _policy;

    public LeasePlacementPolicyTests()
    {
        _registry = new EdgeRegistry(_time);
        _registry.OnConnected("edge-busy", "eu-west", "", 2, 0);
        _registry.OnConnected("edge-quiet", "eu-west", "", 2, 0);
        _policy = new LeasePlacementPolicy(_registry, Options.Create(new DropsOptions()), _time);
    }

    [Fact]
    public void For_BusierEdge_GetsTheLargerShare()
    {
        // Arrange: the quiet edge asked first, expecting 9 buyers.
        var quiet = _policy.For("edge-quiet", "d1", 9)!;
        _policy.Remember("edge-quiet", "d1", 9);

        // Act: the busy edge expects 89.
        var busy = _policy.For("edge-busy", "d1", 89)!;

        // Assert: (89 + 1) ÷ (90 + 10) of the placeable units, where equal shares gave half; the
        // quiet edge, asking before anyone else's count was known, was given half.
        Assert.Equal(0.9, busy.Share, 6);
        Assert.Equal(0.5, quiet.Share, 6);
        Assert.Equal(0.2, busy.ReserveFraction);
    }

    [Fact]
    public void For_CountsOfAnotherDrop_DoNotWeighThisOne()
    {
        // Arrange
        _policy.Remember("edge-quiet", "other-drop", 500);

        // Act
        var share = _policy.For("edge-busy", "d1", 5)!.Share;

        // Assert: the quiet edge's count for d1 is unknown, so it weighs as the asking edge does.
        Assert.Equal(0.5, share, 6);
    }

    [Theory]
    [InlineData(0, new[] { 0 }, 0.5)]
    [InlineData(0, new int[0], 1.0)]
    [InlineData(99, new[] { 0 }, 100.0 / 101)]
    [InlineData(0, new[] { 99 }, 1.0 / 101)]
    [InlineData(9, new[] { -1, 29 }, 10.0 / 60)]
    public void Share_IsThisEdgesWeightOverAll_UnknownCountsWeighingTheMean(int buyers, int[] others, double expected)
    {
        // -1 stands for an edge whose count is unknown: it weighs the mean of the known ((10 + 30) ÷ 2 = 20).
        var share = LeasePlacementPolicy.Share(buyers, [.. others.Select(static o => o < 0 ? (int?)null : o)]);

        Assert.Equal(expected, share, 6);
    }
}
