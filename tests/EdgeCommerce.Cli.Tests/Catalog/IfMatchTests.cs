using EdgeCommerce.Cli.Catalog;

namespace EdgeCommerce.Cli.Tests.Catalog;

public sealed class IfMatchTests
{
    [Theory]
    [InlineData("\"r5\"", "\"r5\"")]
    [InlineData("r5", "\"r5\"")]
    [InlineData("5", "\"r5\"")]
    [InlineData(" r12 ", "\"r12\"")]
    [InlineData("latest", null)]
    [InlineData("r-1", null)]
    [InlineData("*", null)]
    public void Normalize_Value_ReturnsHeaderOrNull(string value, string? expected)
        => Assert.Equal(expected, IfMatch.Normalize(value));
}
