using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Tests.Common;
using EdgeCommerce.Tests.Common.Drops;

namespace EdgeCommerce.FunctionalTests.Drops;

/// <summary>
/// The number a viewer sees is the number they can buy (issue 15 §1), over real processes: an
/// origin and three edges. A reservation of q units on one edge shows as exactly q fewer on all
/// three (and at the origin), a release brings them back, and when an edge holding a reservation
/// is killed with SIGKILL, the others show the units back once its lease ends. Before: one
/// reservation showed a whole lease (4) missing, and a dead edge's lease was subtracted forever.
/// </summary>
public sealed class LiveStockProcessTests
{
    private const string Creator = "stock-creator";
    private const string DropId = "stock-drop";
    private const string Sku = "tee-01-m";
    private const int Allocation = 40;
    private const int Quantity = 2;
    private static readonly TimeSpan s_lease = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Available_ReservationReleaseAndAKilledHolder_EveryEdgeShowsExactlyTheHeldUnits()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        string[] edgeSettings = ["--Drops:ReservationTtl=00:00:10", "--Drops:ClockSkewMargin=00:00:01", "--Drops:SweepInterval=00:00:00.200"];
        await using var stack = await DropProcesses.StartAsync(data, ["edge-stock-1", "edge-stock-2", "edge-stock-3"], cancellationToken,
            originSettings: [$"--Drops:LeaseDuration={s_lease}"], edgeSettings: edgeSettings);
        var (origin, edges) = (stack.Origin, stack.Edges);
        var admin = await origin.MintOpsTokenAsync(cancellationToken);
        await stack.PublishDropAsync(Creator, DropId, DropAdmin.RunningDropJson("Stock drop", Quantity, (Sku, Allocation)), [Sku], cancellationToken, admin);

        // Act + Assert: a reservation on edge 1, then its release.
        var reservation = await ReserveAsync(origin, edges[0], "viewer-1", cancellationToken);
        await WaitForAvailableAsync(edges, Allocation - Quantity, "a reservation of 2 on edge 1", cancellationToken);
        Assert.Equal(Allocation - Quantity, await OriginAvailableAsync(origin, admin, cancellationToken));
        await ReleaseAsync(edges[0], reservation, cancellationToken);
        await WaitForAvailableAsync(edges, Allocation, "its release", cancellationToken);

        // Act + Assert: a reservation on edge 3, which is then killed: its lease ends unsold.
        await ReserveAsync(origin, edges[2], "viewer-3", cancellationToken);
        await WaitForAvailableAsync(edges, Allocation - Quantity, "a reservation of 2 on edge 3", cancellationToken);
        await edges[2].KillAsync();
        await WaitForAvailableAsync([.. edges.Take(2)], Allocation, "the killed edge's lease to end", cancellationToken, s_lease + s_patience);
        Assert.Equal(Allocation, await OriginAvailableAsync(origin, admin, cancellationToken));
    }

    private static async Task<(string Id, string Token)> ReserveAsync(OriginNode origin, EdgeNode edge, string viewer, CancellationToken cancellationToken)
    {
        var token = await origin.MintTokenAsync(viewer, Creator, ["drop:reserve"], "edge", cancellationToken);
        var reserved = await edge.ReserveAsync(DropId, token, Sku, Quantity, null, cancellationToken);
        Assert.True(reserved.Status == HttpStatusCode.Created, reserved.Body.ToString());
        return (reserved.ReservationId, token);
    }

    private static async Task ReleaseAsync(EdgeNode edge, (string Id, string Token) reservation, CancellationToken cancellationToken)
        => Assert.Equal(HttpStatusCode.NoContent, (await edge.SendAsync(HttpMethod.Delete, $"/v1/reservations/{reservation.Id}", reservation.Token, cancellationToken)).Status);

    private static async Task<int> OriginAvailableAsync(OriginNode origin, string admin, CancellationToken cancellationToken)
        => (await origin.GetDropAsync(Creator, DropId, admin, cancellationToken)).GetProperty("skus")[0].GetProperty("available").GetInt32();

    /// <summary>Polls every edge's <c>GET /v1/drops/{id}</c> until each shows <paramref name="expected"/> (no timing assertion: the patience is generous).</summary>
    private static async Task WaitForAvailableAsync(IReadOnlyList<EdgeNode> edges, int expected, string after, CancellationToken cancellationToken, TimeSpan? patience = null)
    {
        var elapsed = Stopwatch.StartNew();
        var seen = new int[edges.Count];
        while (true)
        {
            for (var i = 0; i < edges.Count; i++)
            {
                var view = await edges[i].Http.GetFromJsonAsync<JsonElement>($"/v1/drops/{DropId}", cancellationToken);
                seen[i] = view.GetProperty("skus")[0].GetProperty("available").GetInt32();
            }

            if (seen.All(available => available == expected))
            {
                return;
            }

            if (elapsed.Elapsed > (patience ?? s_patience))
            {
                throw new TimeoutException($"After {after}, every edge should show {expected} available; they show {string.Join(", ", seen)}.\n{edges[0].Output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
