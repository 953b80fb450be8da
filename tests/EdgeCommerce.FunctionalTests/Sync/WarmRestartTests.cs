using System.Net;
using System.Text.Json;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Sync;

/// <summary>An edge persists its replica: restarted, it serves at once, even with the origin down, and resumes instead of resyncing.</summary>
public sealed class WarmRestartTests
{
    private static readonly string[] s_fastEdge = ["--Sync:PersistInterval=00:00:00.020", "--Sync:InitialBackoff=00:00:00.020", "--Sync:MaxBackoff=00:00:00.300"];

    [Fact]
    public async Task Edge_RestartedWithOriginDown_StartsReadyFromDiskAndResumesWithoutSnapshot()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await using var edge = await EdgeNode.StartAsync("edge-warm", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-warm", cancellationToken), data.Combine("edge"), cancellationToken, s_fastEdge);
        await origin.PushCatalogAsync("warm-a", OriginNode.SimpleCatalog("A before restart"), cancellationToken);
        var head = await origin.PushCatalogAsync("warm-b", OriginNode.SimpleCatalog("B before restart"), cancellationToken);
        await edge.WaitForStatusAsync(s => s.GetProperty("persistedRevision").ValueKind == JsonValueKind.Number
            && s.GetProperty("persistedRevision").GetInt64() == head, TimeSpan.FromSeconds(30), "persisting the replica", cancellationToken);

        // Act: the edge stops, the origin dies, the edge comes back alone.
        Assert.Equal(0, await edge.StopAsync());
        await origin.KillAsync();
        await edge.RestartAsync(cancellationToken);

        // Assert: ready and serving from disk at once, and honest about the link.
        using (var ready = await edge.Http.GetAsync("/readyz", cancellationToken))
        {
            Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        }

        var widget = await edge.Http.GetStringAsync("/v1/creators/warm-b/widget", cancellationToken);
        Assert.Contains("B before restart", widget, StringComparison.Ordinal);
        var status = await edge.GetStatusAsync(cancellationToken);
        Assert.Equal(head, status.GetProperty("restoredRevision").GetInt64());
        Assert.Equal(head, status.GetProperty("appliedRevision").GetInt64());
        Assert.False(status.GetProperty("connected").GetBoolean());

        // Act: the origin returns; a new change is pushed.
        await origin.RestartAsync(cancellationToken);
        var next = await origin.PushCatalogAsync("warm-a", OriginNode.SimpleCatalog("A after restart"), cancellationToken);

        // Assert: resumed from the persisted revision, no snapshot needed.
        status = await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == next, TimeSpan.FromSeconds(30), "resuming", cancellationToken);
        Assert.Equal(0, status.GetProperty("snapshotsReceived").GetInt64());
        Assert.Equal(1, status.GetProperty("changesApplied").GetInt64());
        Assert.Contains("A after restart", await edge.Http.GetStringAsync("/v1/creators/warm-a/widget", cancellationToken), StringComparison.Ordinal);
    }

    /// <summary>
    /// Kills the edge (SIGKILL, no shutdown hook) at random moments while changes stream in and
    /// the replica file is rewritten every 20 ms. Catches a torn or half-renamed replica file
    /// (a restart would log it as corrupt and start empty: restoredRevision null) and a resume
    /// from the wrong revision (the edge would not converge to the origin's state).
    /// </summary>
    [Fact]
    public async Task Edge_KilledWhileApplyingAndPersisting_FileNeverCorruptAndConverges()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var seed = Random.Shared.Next();
        TestContext.Current.TestOutputHelper?.WriteLine($"Kill seed: {seed}");
        var random = new Random(seed);
        using var data = new TempDirectory();
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken);
        await using var edge = await EdgeNode.StartAsync("edge-crash", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync("edge-crash", cancellationToken), data.Combine("edge"), cancellationToken, s_fastEdge);
        var head = await origin.PushCatalogAsync("crash-0", OriginNode.SimpleCatalog("first"), cancellationToken);
        await edge.WaitForStatusAsync(s => s.GetProperty("persistedRevision").ValueKind == JsonValueKind.Number, TimeSpan.FromSeconds(30), "first persist", cancellationToken);

        for (var round = 0; round < 4; round++)
        {
            // Act: writes stream in while the edge is killed at a random point.
            using var writes = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var writer = Task.Run(async () =>
            {
                var i = 0;
                while (!writes.IsCancellationRequested)
                {
                    head = await origin.PushCatalogAsync($"crash-{i % 4}", OriginNode.SimpleCatalog($"round {round} write {i}"), CancellationToken.None);
                    i++;
                }
            }, CancellationToken.None);
            await Task.Delay(random.Next(50, 400), cancellationToken);
            await edge.KillAsync();
            await writes.CancelAsync();
            await writer;

            await edge.RestartAsync(cancellationToken);

            // Assert: the file it left is whole (the edge restored from it), and it catches up.
            var status = await edge.GetStatusAsync(cancellationToken);
            Assert.True(status.GetProperty("restoredRevision").ValueKind == JsonValueKind.Number, $"round {round}: the persisted replica was not usable.\n{edge.Output}");
            Assert.DoesNotContain("Ignoring the persisted replica", edge.Output, StringComparison.Ordinal);
            status = await edge.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() == head, TimeSpan.FromSeconds(30), $"round {round} catching up to {head}", cancellationToken);
            Assert.Equal(0, status.GetProperty("snapshotsReceived").GetInt64());
        }

        for (var c = 0; c < 4; c++)
        {
            var expected = await origin.Http.GetStringAsync($"/admin/v1/creators/crash-{c}/catalog", cancellationToken);
            var title = JsonDocument.Parse(expected).RootElement.GetProperty("products")[0].GetProperty("title").GetString()!;
            Assert.Contains(title, await edge.Http.GetStringAsync($"/v1/creators/crash-{c}/widget", cancellationToken), StringComparison.Ordinal);
        }
    }
}
