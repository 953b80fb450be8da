using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Drops.Report;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.Tests.Common;
using EdgeCommerce.Tests.Common.Drops;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using static EdgeCommerce.Origin.Tests.CatalogAdmin.CatalogSamples;
using static EdgeCommerce.Origin.Tests.Sync.OriginSyncClient;

namespace EdgeCommerce.Origin.Tests.Sync;

/// <summary>
/// What the origin does for a relay's stream beyond an edge's: revocations told at once, and the
/// tokens of the edges behind it renewed on it. The host's clock is fake: a heartbeat comes only
/// when a test moves it, so a message that arrives without moving it was not a heartbeat's timer.
/// Each test has its own host (one per test class instance: they revoke and move the clock).
/// </summary>
public sealed class RelayStreamTests : OriginHostPerTest
{
    /// <summary>Would catch a relay that hears of a revoked edge only at its next idle heartbeat (the edge streaming on through it meanwhile).</summary>
    [Fact(Timeout = 30_000)]
    public async Task Sync_RelayStream_EdgeRevoked_HeartbeatListingItArrivesWithoutWaitingForTheInterval()
    {
        // Arrange: a relay's stream, and the edge's own stream so the origin knows the edge.
        var cancellationToken = TestContext.Current.CancellationToken;
        var head = await Client.PutAsync(NewId("creator"), ValidCatalog(), cancellationToken);
        var edgeId = NewId("edge");
        using var edge = await Client.SyncAsync(Hello(edgeId, head, Origin.Store.ClusterId), cancellationToken);
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, (await NextAsync(edge, cancellationToken)).KindCase);
        var opened = await OpenRelayAsync(head, cancellationToken);
        using var relay = opened.Call;

        // Act: the clock stays where it is.
        using (var revoked = await Client.Admin.PostAsync($"/admin/v1/edges/{edgeId}/revoke", null, cancellationToken))
        {
            revoked.EnsureSuccessStatusCode();
        }

        var next = await NextAsync(relay, cancellationToken);

        // Assert
        Assert.DoesNotContain(edgeId, opened.First.RevokedEdgeIds);
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, next.KindCase);
        Assert.Contains(edgeId, next.Heartbeat.RevokedEdgeIds);
        Assert.Empty(Origin.ErrorLogs);
    }

    /// <summary>
    /// Would catch an edge behind a relay whose token is never renewed (it strands once the token
    /// expires or its key is revoked), and a relay that gets a token minted for an edge id the
    /// token it forwarded was not issued to.
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task Sync_RelayForwardsADownstreamEdgesToken_RenewalComesOnTheRelaysStream_OnlyForTheTokensOwnEdge()
    {
        // Arrange: a relay's stream; one downstream edge's token is past half the longest lifetime,
        // another's is forwarded under a different edge id.
        var cancellationToken = TestContext.Current.CancellationToken;
        var head = await Client.PutAsync(NewId("creator"), ValidCatalog(), cancellationToken);
        using var relay = (await OpenRelayAsync(head, cancellationToken)).Call;
        var downstreamId = NewId("edge");
        var downstreamToken = await Origin.MintAsync(downstreamId, null, [Scopes.EdgeSync], Audiences.Origin, lifetime: TimeSpan.FromHours(1));
        var otherToken = await Origin.MintAsync(NewId("other"), null, [Scopes.EdgeSync], Audiences.Origin, lifetime: TimeSpan.FromHours(1));
        var tokens = new DownstreamTokens();
        tokens.Edges.Add(new DownstreamToken { EdgeId = downstreamId, Token = downstreamToken });
        tokens.Edges.Add(new DownstreamToken { EdgeId = NewId("edge"), Token = otherToken });

        // Act: forward them, then let heartbeats come due until renewals arrive.
        await relay.RequestStream.WriteAsync(new EdgeMessage { DownstreamTokens = tokens }, cancellationToken);
        var renewals = await NextRenewalsAsync(relay, cancellationToken);

        // Assert: one renewal, for the edge the token was issued to, good for the longest lifetime.
        Assert.NotNull(renewals);
        var renewal = Assert.Single(renewals.DownstreamRenewals.Edges);
        Assert.Equal(downstreamId, renewal.EdgeId);
        var (renewed, _) = await Origin.Services.GetRequiredService<AccessTokenValidator>().ValidateAsync(renewal.Renewal.Token);
        Assert.NotNull(renewed);
        Assert.Equal(downstreamId, renewed.Subject);
        Assert.Equal([Scopes.EdgeSync], renewed.Scopes);
        // Minted at the heartbeat that sent it: this one or the one before (the loop read a heartbeat first).
        var now = Origin.TimeProvider.GetUtcNow().AddHours(24);
        Assert.InRange(renewal.Renewal.ExpiresAtUnix, (now - OriginApiFixture.HeartbeatInterval).ToUnixTimeSeconds(), now.ToUnixTimeSeconds());
        Assert.Empty(Origin.ErrorLogs);
    }

    /// <summary>
    /// Would catch the origin renewing, on a relay's stream, the token of an edge that left the
    /// relay: the relay drops such renewals, so each would be a signature for nobody, and a relay
    /// whose edges come and go would fill the stream's renewals up to its cap with departed edges.
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task Sync_DownstreamEdgeLeftTheRelay_ItsTokenIsNoLongerRenewed_TheStayingEdgesStillIs()
    {
        // Arrange: two edges behind a relay, both with tokens past half the longest lifetime.
        var cancellationToken = TestContext.Current.CancellationToken;
        var head = await Client.PutAsync(NewId("creator"), ValidCatalog(), cancellationToken);
        using var relay = (await OpenRelayAsync(head, cancellationToken)).Call;
        var (staying, leaving) = (NewId("edge"), NewId("edge"));
        var report = new DownstreamReport();
        var tokens = new DownstreamTokens();
        foreach (var edgeId in new[] { staying, leaving })
        {
            report.Edges.Add(new DownstreamEdge { EdgeId = edgeId, Region = "eu-west", PublicUrl = $"https://{edgeId}.example.com", AppliedRevision = head });
            tokens.Edges.Add(new DownstreamToken { EdgeId = edgeId, Token = await Origin.MintAsync(edgeId, null, [Scopes.EdgeSync], Audiences.Origin, lifetime: TimeSpan.FromHours(1)) });
        }

        await relay.RequestStream.WriteAsync(new EdgeMessage { Downstream = report }, cancellationToken);
        await relay.RequestStream.WriteAsync(new EdgeMessage { DownstreamTokens = tokens }, cancellationToken);

        // Act: one edge's stream from the relay ends (the relay's next delta says so); once the
        // origin shows it gone, heartbeats come due until renewals arrive.
        var gone = new DownstreamReport { Delta = true };
        gone.GoneEdgeIds.Add(leaving);
        await relay.RequestStream.WriteAsync(new EdgeMessage { Downstream = gone }, cancellationToken);
        var registry = Origin.Services.GetRequiredService<EdgeRegistry>();
        await Poll.UntilAsync(() => Task.FromResult(registry.Local().Any(e => e.Id == leaving && !e.Connected)),
            "the departed edge shown disconnected", () => string.Join(", ", registry.Local().Select(static e => $"{e.Id} {e.Connected}")), TimeSpan.FromMilliseconds(20), cancellationToken, TimeSpan.FromSeconds(20));
        var renewals = await NextRenewalsAsync(relay, cancellationToken);

        // Assert: both tokens were due at the same heartbeat; only the staying edge's is renewed.
        Assert.NotNull(renewals);
        Assert.Equal([staying], renewals.DownstreamRenewals.Edges.Select(static e => e.EdgeId));
        Assert.Empty(Origin.ErrorLogs);
    }

    /// <summary>
    /// Would catch a relay's downstream edges whose drop funnel counts never reach the creator's
    /// report (the origin passing a relayed edge's load to the dashboards only, as a direct edge's
    /// goes to both).
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task Sync_RelayReportsADownstreamEdgesFunnelCounts_TheDropReportCountsThem()
    {
        // Arrange: a running drop, and a relay's stream.
        var cancellationToken = TestContext.Current.CancellationToken;
        var creatorId = NewId("creator");
        var head = await Client.PutAsync(creatorId, ValidCatalog(), cancellationToken);
        var now = Origin.TimeProvider.GetUtcNow();
        using (var put = await Client.Admin.PutAsync($"/admin/v1/creators/{creatorId}/drops/drop-1",
            new StringContent(DropAdmin.DropJson("Relayed", now.AddMinutes(-1), now.AddHours(1), 2, ("p1-m", 10)), Encoding.UTF8, "application/json"), cancellationToken))
        {
            put.EnsureSuccessStatusCode();
        }

        using var relay = (await OpenRelayAsync(head, cancellationToken)).Call;
        var edgeId = NewId("edge");
        var load = new EdgeLoad { BootId = "boot-1", FunnelSequence = 1 };
        load.DropFunnels.Add(new DropFunnelCounts { DropId = "drop-1", Queued = 5, Admitted = 4, Reserved = 3, Released = 1 });
        var report = new DownstreamReport();
        report.Edges.Add(new DownstreamEdge { EdgeId = edgeId, Region = "eu-west", PublicUrl = $"https://{edgeId}.example.com", AppliedRevision = head, Load = load });

        // Act: the relay reports its edge; the origin stores funnel counts at its next flush.
        await relay.RequestStream.WriteAsync(new EdgeMessage { Downstream = report }, cancellationToken);
        var ingest = Origin.Services.GetRequiredService<DropFunnelIngest>();
        JsonElement funnel = default;
        await Poll.UntilAsync(async () =>
        {
            await ingest.FlushAsync(cancellationToken);
            var drop = await Client.Admin.GetFromJsonAsync<JsonElement>($"/admin/v1/creators/{creatorId}/drops/drop-1/report", cancellationToken);
            funnel = drop.GetProperty("funnel");
            return funnel.GetProperty("reserved").GetInt64() > 0;
        }, "the relayed edge's funnel counts in the drop's report", () => funnel.ToString(), TimeSpan.FromMilliseconds(50), cancellationToken, TimeSpan.FromSeconds(20));

        // Assert
        Assert.Equal((5L, 4L, 3L, 1L), (funnel.GetProperty("queued").GetInt64(), funnel.GetProperty("admitted").GetInt64(), funnel.GetProperty("reserved").GetInt64(), funnel.GetProperty("released").GetInt64()));
        Assert.Empty(Origin.ErrorLogs);
    }

    /// <summary>Moves the clock a heartbeat at a time (20 at most) until the relay's stream carries renewals; null if none came.</summary>
    private async Task<WatchResponse?> NextRenewalsAsync(AsyncDuplexStreamingCall<EdgeMessage, WatchResponse> relay, CancellationToken cancellationToken)
    {
        for (var heartbeats = 0; heartbeats < 20; heartbeats++)
        {
            Origin.TimeProvider.Advance(OriginApiFixture.HeartbeatInterval);
            if (await NextAsync(relay, cancellationToken) is { KindCase: WatchResponse.KindOneofCase.DownstreamRenewals } message)
            {
                return message;
            }
        }

        return null;
    }

    /// <summary>A relay's stream (its hello says so) from <paramref name="head"/>, and the heartbeat it opens with.</summary>
    private async Task<(AsyncDuplexStreamingCall<EdgeMessage, WatchResponse> Call, Heartbeat First)> OpenRelayAsync(long head, CancellationToken cancellationToken)
    {
        var hello = Hello(NewId("relay"), head, Origin.Store.ClusterId);
        hello.Relay = true;
        var call = await Client.SyncAsync(hello, cancellationToken);
        var first = await NextAsync(call, cancellationToken);
        Assert.Equal(WatchResponse.KindOneofCase.Heartbeat, first.KindCase);
        return (call, first.Heartbeat);
    }
}
