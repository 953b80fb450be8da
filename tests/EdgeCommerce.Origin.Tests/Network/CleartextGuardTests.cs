using System.Net;
using EdgeCommerce.Origin.Network;
using Microsoft.AspNetCore.Http;

namespace EdgeCommerce.Origin.Tests.Network;

/// <summary>What the container's all-interfaces cleartext port answers to another host: the probes only.</summary>
public sealed class CleartextGuardTests
{
    [Theory]
    [InlineData("10.1.2.3", false, "/admin/v1/creators", false)]
    [InlineData("10.1.2.3", false, "/catalogsync.CatalogSync/Sync", false)]
    [InlineData("10.1.2.3", false, "/healthz", true)]
    [InlineData("10.1.2.3", false, "/readyz", true)]
    [InlineData("10.1.2.3", true, "/admin/v1/creators", true)]
    [InlineData("127.0.0.1", false, "/admin/v1/creators", true)]
    [InlineData("::1", false, "/admin/v1/creators", true)]
    [InlineData("::ffff:127.0.0.1", false, "/admin/v1/creators", true)]
    [InlineData(null, false, "/admin/v1/creators", true)]
    public void IsAllowed_ByRemoteTlsAndPath_OnlyProbesFromOtherHostsInCleartext(string? remote, bool https, string path, bool allowed)
    {
        // Arrange
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = remote is null ? null : IPAddress.Parse(remote);
        context.Request.Scheme = https ? "https" : "http";
        context.Request.Path = path;

        // Act
        var result = CleartextGuard.IsAllowed(context);

        // Assert
        Assert.Equal(allowed, result);
    }
}
