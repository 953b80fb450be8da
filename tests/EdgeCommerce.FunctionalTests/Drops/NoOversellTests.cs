using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Drops;

/// <summary>
/// The no-oversell proof over real processes: an origin, three edges, hundreds of concurrent
/// clients reserving, confirming, releasing, abandoning and retrying (with idempotency keys)
/// against a drop of a few dozen units, while one edge is killed and restarted and the origin is
/// killed and restarted once.
/// </summary>
public sealed class NoOversellTests
{
    private const int Allocation = 36;
    private const int PerViewerLimit = 2;
    private const int Viewers = 120;
    private const string Creator = "tour-creator";
    private const string DropId = "tour-drop";
    private const string Sku = "hoodie-01-m";
    private static readonly TimeSpan s_lease = TimeSpan.FromSeconds(6);

    /// <summary>
    /// Each viewer has two clients (two devices) on two different edges, so the per-viewer limit
    /// is tested across edges. Catches: a unit promised twice (sold > allocation), units lost or
    /// created by leases, expiries or crashes (sold + available ≠ allocation once every lease
    /// ended), a viewer buying past the limit through two edges, and an idempotent retry counted
    /// as a second sale (one idempotency key, two sales) — including retries that reach an edge
    /// which was restarted and forgot the key.
    /// </summary>
    [Fact]
    public async Task Reserve_HundredsOfClientsWhileAnEdgeAndTheOriginRestart_NeverOversells()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var seed = Environment.GetEnvironmentVariable("EDGECOMMERCE_CHAOS_SEED") is { } fixedSeed
            ? int.Parse(fixedSeed, CultureInfo.InvariantCulture)
            : Random.Shared.Next();
        TestContext.Current.TestOutputHelper?.WriteLine($"Chaos seed: {seed} (rerun with EDGECOMMERCE_CHAOS_SEED={seed})");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        void Mark(string what) => TestContext.Current.TestOutputHelper?.WriteLine($"{clock.Elapsed.TotalSeconds:F1}s {what}");
        using var data = new TempDirectory();
        string[] originSettings = [$"--Drops:LeaseDuration={s_lease}", "--Drops:MaxLeaseUnits=4", "--Sync:HeartbeatInterval=00:00:00.500"];
        await using var origin = await OriginNode.StartAsync(data.Combine("origin"), cancellationToken, originSettings);
        string[] edgeSettings =
        [
            "--Drops:ReservationTtl=00:00:02", "--Drops:ClockSkewMargin=00:00:01", "--Drops:SweepInterval=00:00:00.200",
            "--Drops:LeaseUnits=2", "--Origin:CallTimeout=00:00:01",
            "--Sync:InitialBackoff=00:00:00.050", "--Sync:MaxBackoff=00:00:00.500",
            // The proof is about stock, not request rates: the per-viewer buckets and the waiting
            // room's stock cap stay out of the way (the room still gates every reservation).
            "--RateLimits:ViewerBurst=100000", "--RateLimits:ViewerPerSecond=100000", "--Drops:Admission:ViewersPerUnsoldUnit=0",
        ];
        var edges = await Task.WhenAll(Enumerable.Range(1, 3).Select(async i =>
            await EdgeNode.StartAsync($"edge-drop-{i}", "eu-west", origin.GrpcAddress, await origin.MintSyncTokenAsync($"edge-drop-{i}", cancellationToken),
                data.Combine($"edge{i}"), cancellationToken, edgeSettings)));

        Mark("started");
        try
        {
            await origin.PushSkusAsync(Creator, cancellationToken, Sku);
            var admin = await MintAsync(origin, "ops", null, ["admin:drops", "admin:platform"], "origin", cancellationToken);
            var now = DateTimeOffset.UtcNow;
            using (var put = Admin(HttpMethod.Put, $"/admin/v1/creators/{Creator}/drops/{DropId}", admin))
            {
                put.Content = new StringContent(JsonSerializer.Serialize(new
                {
                    title = "Tour drop",
                    startsAt = now.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                    endsAt = now.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                    perViewerLimit = PerViewerLimit,
                    allocations = new[] { new { skuId = Sku, units = Allocation } },
                }), Encoding.UTF8, "application/json");
                using var response = await origin.Http.SendAsync(put, cancellationToken);
                Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
            }

            var tokens = await Task.WhenAll(Enumerable.Range(0, Viewers)
                .Select(v => MintAsync(origin, $"viewer-{v:D3}", Creator, ["drop:reserve"], "edge", cancellationToken)));

            foreach (var edge in edges)
            {
                await edge.WaitForDropAsync(DropId, cancellationToken);
            }

            Mark("drop on every edge");
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromSeconds(30) };
            using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
            var ledger = new Ledger();

            // Act
            // The load runs through both restarts and stops 3 s after the origin is back.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var clients = Enumerable.Range(0, Viewers * 2)
                .Select(c => Task.Run(() => RunClientAsync(http, edges[(c + (c / Viewers)) % edges.Length], $"viewer-{c % Viewers:D3}", tokens[c % Viewers],
                    new Random(seed + c), ledger, stop.Token), CancellationToken.None))
                .ToArray();

            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            await edges[1].KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            await edges[1].RestartAsync(cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            await origin.KillAsync();
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            await origin.RestartAsync(cancellationToken, originSettings);
            Mark("origin restarted");
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            await stop.CancelAsync();
            await Task.WhenAll(clients);
            Mark("clients done");

            // Every reservation has ended by now; wait until every lease has too.
            await Task.Delay(s_lease + TimeSpan.FromSeconds(1), cancellationToken);

            // Assert
            Mark("leases expired");
            var drop = await origin.GetAdminAsync($"/admin/v1/creators/{Creator}/drops/{DropId}", admin, cancellationToken);
            var sku = drop.GetProperty("skus")[0];
            var sold = sku.GetProperty("sold").GetInt32();
            var available = sku.GetProperty("available").GetInt32();
            var sales = (await origin.GetAdminAsync($"/admin/v1/creators/{Creator}/drops/{DropId}/sales", admin, cancellationToken))
                .GetProperty("sales").EnumerateArray()
                .Select(static s => (Id: s.GetProperty("reservationId").GetString()!, Viewer: s.GetProperty("viewer").GetString()!,
                    Key: s.GetProperty("idempotencyKey").GetString()!, Quantity: s.GetProperty("quantity").GetInt32()))
                .ToList();
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"sold {sold}, available {available}, sales {sales.Count}; client saw: {ledger.Summary()}");

            Assert.True(ledger.Created > 0 && ledger.Confirmed > 0, "the load never reserved and confirmed anything: " + ledger.Summary());
            Assert.True(sold <= Allocation, $"oversold: {sold} of {Allocation}");
            Assert.Equal(0, sku.GetProperty("leased").GetInt32());
            Assert.Equal(Allocation, sold + available);
            Assert.Equal(sold, sales.Sum(static s => s.Quantity));
            Assert.All(sales.GroupBy(static s => s.Viewer), static g => Assert.True(g.Sum(static s => s.Quantity) <= PerViewerLimit, $"{g.Key} bought {g.Sum(static s => s.Quantity)}"));
            Assert.All(sales.Where(static s => s.Key.Length > 0).GroupBy(static s => (s.Viewer, s.Key)), static g => Assert.Single(g));
            // Every confirmation a client saw is a sale the origin holds (under its own id, or the
            // id an earlier attempt with the same key was sold under).
            var saleIds = sales.Select(static s => s.Id).ToHashSet(StringComparer.Ordinal);
            Assert.All(ledger.ConfirmedIds, id => Assert.Contains(id, saleIds));
        }
        finally
        {
            foreach (var edge in edges)
            {
                await edge.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// One client: reserve with a fresh key (retrying the same key on errors and 503s, sometimes
    /// after a success too), then confirm (sometimes twice), release, or walk away.
    /// </summary>
    private static async Task RunClientAsync(HttpClient http, EdgeNode edge, string viewer, string token, Random random, Ledger ledger, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var key = Guid.NewGuid().ToString("N");
            var quantity = random.NextDouble() < 0.2 ? 2 : 1;
            JsonElement? reservation = null;
            for (var attempt = 0; attempt < 6 && !stop.IsCancellationRequested && reservation is null; attempt++)
            {
                var (status, body, retryAfter) = await SendAsync(http, HttpMethod.Post, new Uri(edge.Address, $"/v1/drops/{DropId}/reservations"), token,
                    $$"""{"skuId":"{{Sku}}","quantity":{{quantity}}}""", key);
                ledger.Count(status);
                switch (status)
                {
                    case HttpStatusCode.Created:
                        reservation = body;
                        break;
                    case HttpStatusCode.Conflict or HttpStatusCode.TooManyRequests or HttpStatusCode.Forbidden:
                        attempt = int.MaxValue - 1; // a definitive answer: stop retrying this key
                        break;
                    default:
                        await Delay(Math.Min(retryAfter ?? 0.2, 0.5), stop);
                        break;
                }
            }

            if (reservation is not { } made)
            {
                await Delay(0.05 + (random.NextDouble() * 0.2), stop);
                continue;
            }

            var id = made.GetProperty("reservationId").GetString()!;
            if (random.NextDouble() < 0.1)
            {
                // A retry after a success that the client did not see: must replay, not reserve again.
                await SendAsync(http, HttpMethod.Post, new Uri(edge.Address, $"/v1/drops/{DropId}/reservations"), token, $$"""{"skuId":"{{Sku}}","quantity":{{quantity}}}""", key);
            }

            // Few confirmations and many releases and walk-aways (expiry), so units keep moving
            // (leased, held, returned) through both restarts instead of selling out at once.
            var roll = random.NextDouble();
            if (roll < 0.1)
            {
                var confirms = random.NextDouble() < 0.2 ? 2 : 1;
                for (var attempt = 0; attempt < 8 && confirms > 0; attempt++)
                {
                    var (status, body, _) = await SendAsync(http, HttpMethod.Post, new Uri(edge.Address, $"/v1/reservations/{id}/confirm"), token, null, null);
                    if (status == HttpStatusCode.OK)
                    {
                        ledger.OnConfirmed(body!.Value.GetProperty("duplicateOf").GetString() ?? id);
                        confirms--;
                    }
                    else if (status is HttpStatusCode.ServiceUnavailable or 0)
                    {
                        await Delay(0.3, CancellationToken.None);
                    }
                    else
                    {
                        break; // 404 (edge restarted), 410, 409, 429: final
                    }
                }
            }
            else if (roll < 0.65)
            {
                await SendAsync(http, HttpMethod.Delete, new Uri(edge.Address, $"/v1/reservations/{id}"), token, null, null);
            }

            await Delay(0.2 + (random.NextDouble() * 0.4), stop);
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement? Body, double? RetryAfter)> SendAsync(HttpClient http, HttpMethod method, Uri uri, string token, string? json, string? key)
    {
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        try
        {
            using var response = await http.SendAsync(request, CancellationToken.None);
            var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
            JsonElement? body = text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true
                ? JsonDocument.Parse(text).RootElement.Clone()
                : null;
            return (response.StatusCode, body, response.Headers.RetryAfter?.Delta?.TotalSeconds);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            return (0, null, null); // the edge is down (killed) or the request timed out: retry
        }
    }

    private static async Task Delay(double seconds, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<string> MintAsync(OriginNode origin, string subject, string? creatorId, string[] scopes, string audience, CancellationToken cancellationToken)
    {
        using var response = await origin.Http.PostAsJsonAsync("/admin/v1/tokens", new { subject, creatorId, scopes, audience, ttlSeconds = 3600 }, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
        return (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("token").GetString()!;
    }

    private static HttpRequestMessage Admin(HttpMethod method, string path, string token)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private sealed class Ledger
    {
        private readonly ConcurrentDictionary<HttpStatusCode, int> _statuses = new();
        private readonly ConcurrentBag<string> _confirmed = [];

        public int Created => _statuses.GetValueOrDefault(HttpStatusCode.Created);

        public int Confirmed => _confirmed.Count;

        public IEnumerable<string> ConfirmedIds => _confirmed;

        public void Count(HttpStatusCode status) => _statuses.AddOrUpdate(status, 1, static (_, n) => n + 1);

        public void OnConfirmed(string saleId) => _confirmed.Add(saleId);

        public string Summary()
            => string.Join(", ", _statuses.OrderBy(static p => p.Key).Select(static p => $"{(int)p.Key}: {p.Value}")) + $"; confirmations {Confirmed}";
    }
}
