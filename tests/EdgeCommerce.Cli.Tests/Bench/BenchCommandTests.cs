using EdgeCommerce.Cli.Bench;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Tests.Bench;

/// <summary>What <c>bench</c> drives and how it starts the edges, from its command line.</summary>
public sealed class BenchCommandTests
{
    [Fact]
    public void Bind_NoTargets_DrivesRecommendationsBesideTheWidgetWithLimitsOutOfReach()
    {
        // Act
        var options = Bind();

        // Assert: the personal path runs by default, and its viewers are not throttled into 429s
        // (which would measure the limiter, as the first recorded run did).
        Assert.Equal([BenchTarget.Recommendations], options.ExtraTargets);
        Assert.Equal("recs:read", options.ExtraTargets[0].Scope);
        Assert.Contains("RateLimits:CreatorPerSecond=10000000", options.EffectiveEdgeSettings);
        Assert.Contains("RateLimits:ViewerPerSecond=1000000", options.EffectiveEdgeSettings);
    }

    [Fact]
    public void Bind_WidgetOnly_StartsEdgesWithTheirDefaults()
    {
        // Act
        var options = Bind("--widget-only");

        // Assert
        Assert.Empty(options.ExtraTargets);
        Assert.Empty(options.EffectiveEdgeSettings);
    }

    [Fact]
    public void Bind_ExplicitRateLimit_IsKeptAndNotRaised()
    {
        // Act: someone measuring the limiter itself.
        var options = Bind("--edge-setting", "RateLimits:CreatorPerSecond=500", "--edge-setting", "Recommendations:TopKLimit=20");

        // Assert
        Assert.Equal(["RateLimits:CreatorPerSecond=500", "Recommendations:TopKLimit=20"], options.EffectiveEdgeSettings);
    }

    [Theory]
    [InlineData("no-equals")]
    [InlineData("=value")]
    [InlineData("Rate Limits:X=1")]
    [InlineData("--RateLimits:X=1")]
    public void Bind_MalformedEdgeSetting_IsRefusedWithTheSetting(string setting)
    {
        // Act
        var error = Assert.Throws<CliException>(() => Bind("--edge-setting", setting));

        // Assert
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    private static BenchOptions Bind(params string[] args)
    {
        var command = new BenchCommand(new CliContext { Out = TextWriter.Null, Error = TextWriter.Null });
        return command.Bind(command.Parse(args));
    }
}
