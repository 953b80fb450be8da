using System.Net;
using EdgeCommerce.Origin.CatalogAdmin;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EdgeCommerce.Origin.Tests.CatalogAdmin;

public sealed class LoopbackOnlyFilterTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.8.9.10", true)]
    [InlineData("::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("10.0.0.1", false)]
    [InlineData("192.168.1.20", false)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::ffff:10.0.0.1", false)]
    [InlineData("2001:db8::1", false)]
    [InlineData(null, false)]
    public async Task InvokeAsync_RemoteAddress_PassesOnlyLoopback(string? remoteAddress, bool passes)
    {
        // Arrange
        var httpContext = new DefaultHttpContext();
        httpContext.Connection.RemoteIpAddress = remoteAddress is null ? null : IPAddress.Parse(remoteAddress);
        var context = new DefaultEndpointFilterInvocationContext(httpContext);
        var reachedHandler = false;

        // Act
        var result = await new LoopbackOnlyFilter().InvokeAsync(context, _ =>
        {
            reachedHandler = true;
            return ValueTask.FromResult<object?>("handled");
        }).AsTask().WaitAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(passes, reachedHandler);
        if (passes)
        {
            Assert.Equal("handled", result);
        }
        else
        {
            Assert.Equal(StatusCodes.Status403Forbidden, Assert.IsType<ProblemHttpResult>(result).StatusCode);
        }
    }
}
