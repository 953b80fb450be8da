using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Drops;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>
/// A drop whose times are at (or past) the ends of what a DateTimeOffset holds must still render on
/// an edge: a year-1 start with early access made every view of the drop throw (a 500 on
/// <c>/v1/drops/{id}</c> and a dead stream).
/// </summary>
public sealed class DropTimesTests
{
    [Theory]
    [InlineData(-62_135_596_800_000, 60)]
    [InlineData(long.MinValue, 10_080)]
    [InlineData(long.MaxValue, 10)]
    public void EdgeDropView_TimesAtTheEdgesOfTheCalendar_RendersWithoutThrowing(long startsAtUnixMs, int earlyAccessMinutes)
    {
        // Arrange
        var drop = new DropState
        {
            DropId = "d1", CreatorId = "c1", Revision = 1, Title = "t", PerViewerLimit = 1,
            StartsAtUnixMs = startsAtUnixMs, EndsAtUnixMs = long.MaxValue,
            EarlyAccessMinutes = earlyAccessMinutes, EarlyAccessAudience = "rsvp",
            Skus = { new DropSku { SkuId = "s", Allocation = 1 } },
        };

        // Act
        var view = EdgeDropView.From(drop, new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero), catalog: null);

        // Assert
        Assert.NotNull(view.EarlyAccess);
        Assert.True(view.EarlyAccess.OpensAt <= view.StartsAt);
        Assert.Equal("closed", DropPhases.Name(DropPhases.Of(drop, DateTimeOffset.MaxValue)));
    }
}
