using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Sync;

/// <summary>An edge further behind than the compacted change log gets a fresh snapshot, then deltas.</summary>
public sealed class CompactionTests
{
    [Fact]
    public async Task Edge_ResumingBelowCompactedHorizon_GetsSnapshotThenDeltasAndEqualsOrigin()
    {
        // Arrange: an origin that keeps only the last 5 change records.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken,
            "--Sync:CompactionKeepChanges=5", "--Sync:CompactionInterval=00:00:00.100");
        await using var edge = await EdgeNode.StartAsync("edge-compact", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-compact", cancellationToken), data.Combine("edge"), cancellationToken,
            "--Sync:PersistInterval=00:00:00.020");
        var held = await origin.PushCatalogAsync("compact-gone", OriginNode.SimpleCatalog("deleted later"), cancellationToken);
        await edge.WaitForStatusAsync(s => s.GetProperty("persistedRevision").ValueKind == JsonValueKind.Number
            && s.GetProperty("persistedRevision").GetInt64() == held, TimeSpan.FromSeconds(30), "persisting", cancellationToken);
        Assert.Equal(0, await edge.StopAsync());

        // Act: while the edge is away, 20 writes (one of them a delete) and compaction past its revision.
        using (var deleted = await origin.Http.DeleteAsync("/admin/v1/creators/compact-gone", cancellationToken))
        {
            deleted.EnsureSuccessStatusCode();
        }

        long head = 0;
        for (var i = 0; i < 20; i++)
        {
            head = await origin.PushCatalogAsync($"compact-{i % 3}", OriginNode.SimpleCatalog($"write {i}"), cancellationToken);
        }

        await WaitForCompactionAsync(origin, above: held, cancellationToken);
        await edge.RestartAsync(cancellationToken);
        var after = await origin.PushCatalogAsync("compact-0", OriginNode.SimpleCatalog("after the restart"), cancellationToken);

        // Assert: one snapshot (the held revision was compacted away), then the live delta.
        var status = await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == after, TimeSpan.FromSeconds(30), "catching up", cancellationToken);
        Assert.Equal(held, status.GetProperty("restoredRevision").GetInt64());
        Assert.Equal(1, status.GetProperty("snapshotsReceived").GetInt64());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await edge.Http.GetAsync("/v1/creators/compact-gone/widget", cancellationToken)).StatusCode);
        Assert.Contains("after the restart", await edge.Http.GetStringAsync("/v1/creators/compact-0/widget", cancellationToken), StringComparison.Ordinal);
        Assert.Contains("write 19", await edge.Http.GetStringAsync("/v1/creators/compact-1/widget", cancellationToken), StringComparison.Ordinal);
        Assert.True(head < after);
    }

    private static async Task WaitForCompactionAsync(OriginNode origin, long above, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 600; attempt++)
        {
            var edges = await origin.Http.GetFromJsonAsync<JsonElement>("/admin/v1/edges", cancellationToken);
            if (edges.GetProperty("compactedRevision").GetInt64() > above)
            {
                return;
            }

            await Task.Delay(50, cancellationToken);
        }

        throw new TimeoutException($"The origin never compacted past revision {above}.\n{origin.Output}");
    }
}
