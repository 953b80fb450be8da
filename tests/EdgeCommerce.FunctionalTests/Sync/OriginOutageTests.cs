using System.Net;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Sync;

/// <summary>An edge that loses the origin keeps serving from its replica, says so, and resumes where it was.</summary>
public sealed class OriginOutageTests
{
    [Fact]
    public async Task Edges_OriginKilledAndRestarted_ServeThroughoutAndResumeWithoutSnapshot()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await using var edge1 = await EdgeNode.StartAsync("edge-a", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-a", cancellationToken), data.Combine("edge-a"), cancellationToken);
        await using var edge2 = await EdgeNode.StartAsync("edge-b", "us-east", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-b", cancellationToken), data.Combine("edge-b"), cancellationToken);
        EdgeNode[] edges = [edge1, edge2];
        var first = await origin.PushCatalogAsync("outage-creator", OriginNode.SimpleCatalog("Before the outage"), cancellationToken);
        foreach (var edge in edges)
        {
            await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == first, TimeSpan.FromSeconds(30), "first push", cancellationToken);
        }

        // Act: the origin crashes (no graceful goodbye to the streams).
        await origin.KillAsync();

        // Assert: widgets still served from the replica; the status says the link is down.
        foreach (var edge in edges)
        {
            await edge.WaitForStatusAsync(static s => !s.GetProperty("connected").GetBoolean(), TimeSpan.FromSeconds(30), "noticing the outage", cancellationToken);
            using var widget = await edge.Http.GetAsync("/v1/creators/outage-creator/widget", cancellationToken);
            Assert.Equal(HttpStatusCode.OK, widget.StatusCode);
            Assert.Contains("Before the outage", await widget.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
            using var ready = await edge.Http.GetAsync("/readyz", cancellationToken);
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        // Act: the origin comes back on the same ports and data; a new catalog is pushed.
        await origin.RestartAsync(cancellationToken);
        var second = await origin.PushCatalogAsync("outage-creator", OriginNode.SimpleCatalog("After the outage"), cancellationToken);

        // Assert: both edges resume from their revision (no second snapshot) and show the change.
        Assert.Equal(first + 1, second);
        foreach (var edge in edges)
        {
            var status = await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == second, TimeSpan.FromSeconds(30), "resuming", cancellationToken);
            Assert.True(status.GetProperty("connected").GetBoolean());
            Assert.Equal(1, status.GetProperty("snapshotsReceived").GetInt64());
            Assert.True(status.GetProperty("reconnects").GetInt64() >= 1);
            using var widget = await edge.Http.GetAsync("/v1/creators/outage-creator/widget", cancellationToken);
            Assert.Contains("After the outage", await widget.Content.ReadAsStringAsync(cancellationToken), StringComparison.Ordinal);
            Assert.Equal(second.ToString(System.Globalization.CultureInfo.InvariantCulture), widget.Headers.GetValues("X-Catalog-Revision").Single());
        }
    }

    [Fact]
    public async Task Edge_RestartedWhileTheOriginIsDown_StatusReportsStalenessAttemptsAndTheLastError()
    {
        // Arrange: the edge holds a persisted replica, then the origin dies and the edge restarts.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await using var edge = await EdgeNode.StartAsync("edge-r", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-r", cancellationToken), data.Combine("edge-r"), cancellationToken);
        var first = await origin.PushCatalogAsync("outage-creator", OriginNode.SimpleCatalog("Before the outage"), cancellationToken);
        await edge.WaitForStatusAsync(s => s.GetProperty("persistedRevision").ValueKind == System.Text.Json.JsonValueKind.Number
            && s.GetProperty("persistedRevision").GetInt64() == first, TimeSpan.FromSeconds(30), "the replica persisted", cancellationToken);
        await origin.KillAsync();
        await edge.KillAsync();

        // Act
        await edge.RestartAsync(cancellationToken);
        var status = await edge.WaitForStatusAsync(static s => s.GetProperty("failedAttempts").GetInt64() >= 2, TimeSpan.FromSeconds(60), "two failed attempts", cancellationToken);

        // Assert: before, secondsSinceContact was null and nothing counted the failed attempts.
        Assert.False(status.GetProperty("connected").GetBoolean());
        Assert.Equal(first, status.GetProperty("restoredRevision").GetInt64());
        Assert.True(status.GetProperty("secondsSinceContact").GetDouble() >= 0);
        Assert.True(status.GetProperty("connectAttempts").GetInt64() >= 2);
        Assert.False(string.IsNullOrEmpty(status.GetProperty("lastError").GetString()));
    }
}
