using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Security;

/// <summary>
/// Bearer tokens over TLS between real processes, with a certificate this test makes: the edge's
/// gRPC channel to the origin (its sync token), the origin's admin API (an admin token) and the
/// edge's own HTTPS endpoint (a viewer token), each trusting only that certificate. Would catch a
/// channel that silently falls back to cleartext or trusts any certificate.
/// </summary>
public sealed class TlsTests
{
    [Fact(Timeout = 120_000)]
    public async Task Tls_EdgeSyncsOverHttps_AdminAndViewerCallsOverHttps_UntrustedEdgeNeverConnects()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        var certificate = TestCertificate.Create(data.Combine("tls"));
        var (grpcTls, adminTls, edgeTls) = (FreePort.Next(), FreePort.Next(), FreePort.Next());
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken,
        [
            .. certificate.KestrelEndpoint("GrpcTls", grpcTls, "Http2"),
            .. certificate.KestrelEndpoint("AdminTls", adminTls, "Http1AndHttp2"),
        ]);
        var originGrpc = new Uri($"https://127.0.0.1:{grpcTls}");
        await using var trusting = await EdgeNode.StartAsync("edge-tls", "eu-west", originGrpc, await origin.MintSyncTokenAsync("edge-tls", cancellationToken),
            data.Combine("edge-tls"), cancellationToken,
            [$"--Sync:TrustedCertificatePath={certificate.PemPath}", .. certificate.KestrelEndpoint("HttpsViewers", edgeTls, "Http1AndHttp2")]);
        await using var untrusting = await EdgeNode.StartAsync("edge-no-trust", "eu-west", originGrpc, await origin.MintSyncTokenAsync("edge-no-trust", cancellationToken),
            data.Combine("edge-no-trust"), cancellationToken);
        using var admin = certificate.CreateTrustingClient(new Uri($"https://127.0.0.1:{adminTls}"));
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", origin.AdminToken);
        using var viewerClient = certificate.CreateTrustingClient(new Uri($"https://127.0.0.1:{edgeTls}"));

        // Act: a push through the admin API over TLS reaches the edge over TLS.
        using var pushed = await admin.PutAsync("/admin/v1/creators/tls-creator/catalog",
            new StringContent(OriginNode.SimpleCatalog("Sent over TLS"), System.Text.Encoding.UTF8, "application/json"), cancellationToken);
        var revision = (await pushed.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("revision").GetInt64();
        var status = await trusting.WaitForStatusAsync(s => s.GetProperty("appliedRevision").GetInt64() >= revision,
            TimeSpan.FromSeconds(30), "the push over TLS", cancellationToken);
        var viewer = await origin.MintTokenAsync("viewer-tls", "tls-creator", ["recs:read"], "edge", cancellationToken);
        using var me = new HttpRequestMessage(HttpMethod.Get, "/v1/me") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", viewer) } };
        using var meResponse = await viewerClient.SendAsync(me, cancellationToken);
        var untrustedStatus = await untrusting.GetStatusAsync(cancellationToken);

        // Assert
        Assert.Equal(HttpStatusCode.OK, pushed.StatusCode);
        Assert.Equal(originGrpc.ToString(), status.GetProperty("originAddress").GetString());
        Assert.Equal(HttpStatusCode.OK, meResponse.StatusCode);
        Assert.False(untrustedStatus.GetProperty("ready").GetBoolean(), "an edge that does not trust the origin's certificate must not sync");
        Assert.True(untrusting.Output.Contains("certificate", StringComparison.OrdinalIgnoreCase), untrusting.Output);
        Assert.DoesNotContain(viewer, trusting.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(origin.AdminToken, origin.Output, StringComparison.Ordinal);
    }
}
