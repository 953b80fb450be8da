using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using EdgeCommerce.Hosting.Processes;
using EdgeCommerce.Tests.Common;
using EdgeCommerce.Tests.Common.Drops;

namespace EdgeCommerce.FunctionalTests.Drops;

/// <summary>
/// The no-oversell proof over real processes: an origin, three edges, hundreds of concurrent
/// clients reserving, confirming, releasing, abandoning and retrying (with idempotency keys)
/// against a drop of a few dozen units, while one edge is killed and restarted, the origin is
/// killed and restarted once, and then the origin hangs (frozen with SIGSTOP, then thawed).
/// </summary>
public sealed class NoOversellTests
{
    private const int Allocation = 36;
    private const int PerViewerLimit = 2;
    private const int Viewers = 120;
    private const string Creator = "tour-creator";
    private const string DropId = "tour-drop";
    private const string Sku = "hoodie-01-m";

    // Reserved only by the probes: buyers who reserve just before the freeze and confirm while the
    // origin is frozen, whatever the load has done to the main SKU's stock.
    private const string ProbeSku = "probe-cap";
    private const int ProbeAllocation = 12;
    private const int Probes = 6;
    private const string OriginUnreachable = "The origin cannot be reached.";
    private static readonly TimeSpan s_lease = TimeSpan.FromSeconds(6);
    private static readonly TimeSpan s_callTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_freeze = TimeSpan.FromSeconds(5);

    // Every request is bounded well above the edge's origin call timeout (a refill may take one
    // call, and a waiter whose units went to others one more): an answer that takes this long is
    // a hung request, counted as a failure while every edge is up. Shorter than the freeze, so a
    // request sent in its first second that waits for the thaw times out (a hung request would
    // otherwise be rescued by the thaw and pass).
    private static readonly TimeSpan s_clientTimeout = TimeSpan.FromSeconds(4);

    // The only 503s an edge may answer: each says why.
    private static readonly HashSet<string> s_known503 = new(StringComparer.Ordinal)
    {
        OriginUnreachable,
        "No unit can be had right now; some are held by other reservations and may come back.",
        "The sale could not be confirmed right now; retrying is safe.",
        "The waiting room is full.",
    };

    /// <summary>
    /// Each viewer has two clients (two devices) on two different edges, so the per-viewer limit
    /// is tested across edges. Catches: a unit promised twice (sold > allocation), units lost or
    /// created by leases, expiries or crashes (sold + available ≠ allocation once every lease
    /// ended), a viewer buying past the limit through two edges, and an idempotent retry counted
    /// as a second sale (one idempotency key, two sales) — including retries that reach an edge
    /// which was restarted and forgot the key — and any 5xx but a 503 that says why. The hung
    /// phase (the origin frozen for 5 s under the same load, then thawed) also catches: a
    /// request left hanging (no answer within 4 s, four call timeouts) instead of failing fast;
    /// a reservation that needed the origin answered with a dishonest 503 ("held by other
    /// reservations") while nothing could reach it; a confirmation lost or doubled when the
    /// origin takes in a confirm the edge gave up on (six probes reserve a SKU of their own just
    /// before the freeze and confirm while frozen, so confirms always reach the frozen origin); and
    /// a confirm that answered 503 while frozen but then ends neither sold (200, a sale at the
    /// origin) nor clearly unsold (404/409/410/429 and no sale at the origin). With a 2 s
    /// reservation TTL and a 5 s freeze, the probes' reservations expire while frozen, so they end
    /// 410: the case to catch is the origin selling, after the thaw, a confirm it took in frozen
    /// while the buyer is told the reservation expired.
    /// </summary>
    [Fact]
    public async Task Reserve_HundredsOfClientsWhileAnEdgeAndTheOriginRestartAndTheOriginHangs_NeverOversells()
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
        string[] edgeSettings =
        [
            "--Drops:ReservationTtl=00:00:02", "--Drops:ClockSkewMargin=00:00:01", "--Drops:SweepInterval=00:00:00.200",
            "--Drops:LeaseUnits=2", $"--Origin:CallTimeout={s_callTimeout}", "--Origin:BreakDuration=00:00:00.500",
            "--Sync:InitialBackoff=00:00:00.050", "--Sync:MaxBackoff=00:00:00.500",
            // The proof is about stock, not request rates: the per-viewer buckets and the waiting
            // room's stock cap stay out of the way (the room still gates every reservation).
            "--RateLimits:ViewerBurst=100000", "--RateLimits:ViewerPerSecond=100000", "--Drops:Admission:ViewersPerUnsoldUnit=0",
        ];
        await using var stack = await DropProcesses.StartAsync(data, ["edge-drop-1", "edge-drop-2", "edge-drop-3"], cancellationToken, originSettings, edgeSettings);
        var (origin, edges) = (stack.Origin, stack.Edges);

        Mark("started");
        var frozen = false;
        try
        {
            await origin.PushSkusAsync(Creator, cancellationToken, Sku, ProbeSku);
            var admin = await origin.MintOpsTokenAsync(cancellationToken);
            await origin.PutDropAsync(Creator, DropId, DropAdmin.RunningDropJson("Tour drop", PerViewerLimit, (Sku, Allocation), (ProbeSku, ProbeAllocation)), cancellationToken, admin);

            var tokens = await Task.WhenAll(Enumerable.Range(0, Viewers)
                .Select(v => origin.MintTokenAsync($"viewer-{v:D3}", Creator, ["drop:reserve"], "edge", cancellationToken)));
            var probeTokens = await Task.WhenAll(Enumerable.Range(0, Probes)
                .Select(p => origin.MintTokenAsync($"probe-{p}", Creator, ["drop:reserve"], "edge", cancellationToken)));

            foreach (var edge in edges)
            {
                await edge.WaitForDropAsync(DropId, cancellationToken);
            }

            Mark("drop on every edge");
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 512, PooledConnectionLifetime = TimeSpan.FromSeconds(30) };
            using var http = new HttpClient(handler) { Timeout = s_clientTimeout };
            var ledger = new Ledger();

            // Act
            // The load runs through both restarts and the freeze, and stops 3 s after the thaw.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var clients = Enumerable.Range(0, Viewers * 2)
                .Select(c => Task.Run(() => RunClientAsync(http, edges[(c + (c / Viewers)) % edges.Count], $"viewer-{c % Viewers:D3}", tokens[c % Viewers],
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
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            var probeIds = await Task.WhenAll(Enumerable.Range(0, Probes).Select(p => ReserveProbeAsync(http, edges[p % edges.Count], probeTokens[p], ledger)));
            ledger.FrozenAt = ledger.Now;
            Assert.True(PosixSignals.Send(origin.ProcessId, PosixSignals.SigStop));
            frozen = true;
            Mark("origin frozen");
            var probeConfirms = Enumerable.Range(0, Probes)
                .Select(p => Task.Run(() => ConfirmUntilFinalAsync(http, edges[p % edges.Count], probeTokens[p], probeIds[p], ledger), CancellationToken.None))
                .ToArray();
            await Task.Delay(s_freeze, cancellationToken);
            ledger.ThawedAt = ledger.Now;
            Assert.True(PosixSignals.Send(origin.ProcessId, PosixSignals.SigCont));
            frozen = false;
            Mark("origin thawed");
            await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken);
            await stop.CancelAsync();
            await Task.WhenAll(clients);
            await Task.WhenAll(probeConfirms);
            Mark("clients done");

            // Every reservation has ended by now; wait until every lease has too.
            await Task.Delay(s_lease + TimeSpan.FromSeconds(1), cancellationToken);

            // Assert
            Mark("leases expired");
            var drop = await origin.GetDropAsync(Creator, DropId, admin, cancellationToken);
            var skus = drop.GetProperty("skus").EnumerateArray().ToDictionary(static s => s.GetProperty("skuId").GetString()!, StringComparer.Ordinal);
            var sku = skus[Sku];
            var sold = sku.GetProperty("sold").GetInt32();
            var available = sku.GetProperty("available").GetInt32();
            var probeSold = skus[ProbeSku].GetProperty("sold").GetInt32();
            var sales = (await origin.GetSalesAsync(Creator, DropId, admin, cancellationToken)).EnumerateArray()
                .Select(static s => (Id: s.GetProperty("reservationId").GetString()!, Viewer: s.GetProperty("viewer").GetString()!,
                    Key: s.GetProperty("idempotencyKey").GetString()!, Quantity: s.GetProperty("quantity").GetInt32()))
                .ToList();
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"sold {sold}, available {available}, probes sold {probeSold}, sales {sales.Count}; client saw: {ledger.Summary()}");

            Assert.True(ledger.Created > 0 && ledger.Confirmed > 0, "the load never reserved and confirmed anything: " + ledger.Summary());
            Assert.True(sold <= Allocation, $"oversold: {sold} of {Allocation}");
            Assert.Equal(0, sku.GetProperty("leased").GetInt32());
            Assert.Equal(Allocation, sold + available);
            Assert.Equal(0, skus[ProbeSku].GetProperty("leased").GetInt32());
            Assert.Equal(ProbeAllocation, probeSold + skus[ProbeSku].GetProperty("available").GetInt32());
            Assert.Equal(sold + probeSold, sales.Sum(static s => s.Quantity));
            Assert.All(sales.GroupBy(static s => s.Viewer), static g => Assert.True(g.Sum(static s => s.Quantity) <= PerViewerLimit, $"{g.Key} bought {g.Sum(static s => s.Quantity)}"));
            Assert.All(sales.Where(static s => s.Key.Length > 0).GroupBy(static s => (s.Viewer, s.Key)), static g => Assert.Single(g));
            // Every confirmation a client saw is a sale the origin holds (under its own id, or the
            // id an earlier attempt with the same key was sold under).
            var saleIds = sales.Select(static s => s.Id).ToHashSet(StringComparer.Ordinal);
            Assert.All(ledger.ConfirmedIds, id => Assert.Contains(id, saleIds));
            var answers = ledger.Answers.ToList();
            Assert.All(answers.Where(static a => (int)a.Status >= 500), static a => Assert.True(a.Status == HttpStatusCode.ServiceUnavailable && s_known503.Contains(a.Title ?? ""),
                $"{a.Kind} answered {(int)a.Status} \"{a.Title}\""));

            // The hung phase. Every edge is up while the origin is frozen, so no request sent then may time out.
            var (frozenAt, thawedAt) = (ledger.FrozenAt, ledger.ThawedAt);
            Assert.All(answers.Where(a => a.Start >= frozenAt && a.Start < thawedAt), static a => Assert.True(a.Status != 0,
                $"a {a.Kind} sent while the origin was frozen got no answer within {s_clientTimeout.TotalSeconds} s"));

            // Reservations sent and answered while frozen (after a grace for origin replies already on
            // their way): none was answered by the origin, so each either came from a held lease or had to
            // say the origin cannot be reached.
            var whileFrozen = answers.Where(a => a.Kind == "reserve" && a.Start >= frozenAt + TimeSpan.FromSeconds(0.5) && a.End <= thawedAt).ToList();
            var needingOrigin = whileFrozen.Where(static a => a.Status == HttpStatusCode.ServiceUnavailable).ToList();
            Assert.NotEmpty(needingOrigin);
            Assert.All(needingOrigin, static a => Assert.Equal(OriginUnreachable, a.Title));
            Assert.All(answers.Where(a => a.Kind == "confirm" && a.Status == HttpStatusCode.ServiceUnavailable && a.Start >= frozenAt + TimeSpan.FromSeconds(0.5) && a.End <= thawedAt),
                static a => Assert.Equal(OriginUnreachable, a.Title));

            // Confirms that answered 503 while frozen: each ends sold (a later 200, checked above to be a
            // sale at the origin) or clearly unsold (a final 4xx, and the origin holds no sale under its id).
            var frozenConfirms = answers.Where(static a => a.Kind == "confirm").GroupBy(static a => a.ReservationId!)
                .Where(g => g.Any(a => a.Status == HttpStatusCode.ServiceUnavailable && a.Start >= frozenAt && a.Start < thawedAt))
                .Select(static g => (Id: g.Key, Final: g.MaxBy(static a => a.Start)!))
                .ToList();
            Assert.Contains(frozenConfirms, c => probeIds.Contains(c.Id));
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"while frozen: {whileFrozen.Count} reservations answered ({needingOrigin.Count} 503 origin unreachable, {whileFrozen.Count(static a => a.Status == HttpStatusCode.Created)} 201 from held leases), "
                + $"p100 {(whileFrozen.Count > 0 ? whileFrozen.Max(static a => (a.End - a.Start).TotalSeconds) : 0):F2} s; confirms answered 503: {frozenConfirms.Count}, finally: "
                + string.Join(", ", frozenConfirms.GroupBy(static c => (int)c.Final.Status).OrderBy(static g => g.Key).Select(static g => $"{g.Key}: {g.Count()}")));
            Assert.All(frozenConfirms, static c => Assert.True(c.Final.Status is HttpStatusCode.OK or HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.Gone or HttpStatusCode.TooManyRequests,
                $"the confirm of {c.Id} answered 503 while the origin was frozen and ended with {(int)c.Final.Status} \"{c.Final.Title}\""));
            Assert.All(frozenConfirms.Where(static c => c.Final.Status != HttpStatusCode.OK), c => Assert.False(saleIds.Contains(c.Id),
                $"the confirm of {c.Id} ended {(int)c.Final.Status} \"{c.Final.Title}\" but the origin sold it"));
        }
        finally
        {
            if (frozen)
            {
                PosixSignals.Send(origin.ProcessId, PosixSignals.SigCont);
            }
        }
    }

    /// <summary>
    /// One client: reserve with a fresh key (retrying the same key on errors and 503s, sometimes
    /// after a success too), then confirm (sometimes twice; a 503 is retried after its Retry-After
    /// until a final answer, for up to 15 s), release, or walk away.
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
                var (status, body, retryAfter) = await SendAsync(http, ledger, "reserve", HttpMethod.Post, new Uri(edge.Address, $"/v1/drops/{DropId}/reservations"), token,
                    $$"""{"skuId":"{{Sku}}","quantity":{{quantity}}}""", key);
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
                await SendAsync(http, ledger, "replay", HttpMethod.Post, new Uri(edge.Address, $"/v1/drops/{DropId}/reservations"), token, $$"""{"skuId":"{{Sku}}","quantity":{{quantity}}}""", key);
            }

            // Few confirmations and many releases and walk-aways (expiry), so units keep moving
            // (leased, held, returned) through both restarts instead of selling out at once.
            var roll = random.NextDouble();
            if (roll < 0.1)
            {
                var confirms = random.NextDouble() < 0.2 ? 2 : 1;
                var giveUp = ledger.Now + TimeSpan.FromSeconds(15);
                while (confirms > 0 && ledger.Now < giveUp)
                {
                    var (status, body, retryAfter) = await SendAsync(http, ledger, "confirm", HttpMethod.Post, new Uri(edge.Address, $"/v1/reservations/{id}/confirm"), token, null, null, id);
                    if (status == HttpStatusCode.OK)
                    {
                        ledger.OnConfirmed(body!.Value.GetProperty("duplicateOf").GetString() ?? id);
                        confirms--;
                    }
                    else if (status is HttpStatusCode.ServiceUnavailable or 0)
                    {
                        await Delay(Math.Clamp(retryAfter ?? 0.3, 0.3, 1), CancellationToken.None);
                    }
                    else
                    {
                        break; // 404 (edge restarted), 410, 409, 429: final
                    }
                }
            }
            else if (roll < 0.65)
            {
                await SendAsync(http, ledger, "release", HttpMethod.Delete, new Uri(edge.Address, $"/v1/reservations/{id}"), token, null, null, id);
            }

            await Delay(0.2 + (random.NextDouble() * 0.4), stop);
        }
    }

    /// <summary>A probe reserves one unit of its own SKU (retrying on 503s and errors) and returns the reservation id.</summary>
    private static async Task<string> ReserveProbeAsync(HttpClient http, EdgeNode edge, string token, Ledger ledger)
    {
        var key = Guid.NewGuid().ToString("N");
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var (status, body, _) = await SendAsync(http, ledger, "probe-reserve", HttpMethod.Post, new Uri(edge.Address, $"/v1/drops/{DropId}/reservations"), token,
                $$"""{"skuId":"{{ProbeSku}}","quantity":1}""", key);
            if (status == HttpStatusCode.Created)
            {
                return body!.Value.GetProperty("reservationId").GetString()!;
            }

            await Delay(0.1, CancellationToken.None);
        }

        throw new InvalidOperationException($"The probe never reserved on {edge.Id}.");
    }

    /// <summary>Confirms until an answer other than 503 (or no answer), retrying after Retry-After for up to 15 s; the ledger holds every answer.</summary>
    private static async Task ConfirmUntilFinalAsync(HttpClient http, EdgeNode edge, string token, string id, Ledger ledger)
    {
        var giveUp = ledger.Now + TimeSpan.FromSeconds(15);
        while (ledger.Now < giveUp)
        {
            var (status, _, retryAfter) = await SendAsync(http, ledger, "confirm", HttpMethod.Post, new Uri(edge.Address, $"/v1/reservations/{id}/confirm"), token, null, null, id);
            if (status == HttpStatusCode.OK)
            {
                ledger.OnConfirmed(id);
            }

            if (status is not (HttpStatusCode.ServiceUnavailable or 0))
            {
                return;
            }

            await Delay(Math.Clamp(retryAfter ?? 0.3, 0.3, 1), CancellationToken.None);
        }
    }

    /// <summary>Sends one request and records its answer (status 0: no answer) and when it was sent and answered in the ledger.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement? Body, double? RetryAfter)> SendAsync(HttpClient http, Ledger ledger, string kind, HttpMethod method, Uri uri,
        string token, string? json, string? key, string? reservationId = null)
    {
        var start = ledger.Now;
        try
        {
            var answer = await http.SendAsync(method, uri, token, CancellationToken.None, json, key);
            var title = answer.Body is { ValueKind: JsonValueKind.Object } problem && problem.TryGetProperty("title", out var t) ? t.GetString() : null;
            ledger.Record(new Answer(kind, reservationId, start, ledger.Now, answer.Status, title));
            return (answer.Status, answer.Body.ValueKind == JsonValueKind.Undefined ? null : answer.Body, answer.RetryAfter);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            ledger.Record(new Answer(kind, reservationId, start, ledger.Now, 0, null));
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

    /// <summary>One answer a client saw; <paramref name="Start"/> and <paramref name="End"/> are on the ledger's clock.</summary>
    private sealed record Answer(string Kind, string? ReservationId, TimeSpan Start, TimeSpan End, HttpStatusCode Status, string? Title);

    private sealed class Ledger
    {
        private readonly ConcurrentDictionary<HttpStatusCode, int> _statuses = new();
        private readonly ConcurrentBag<string> _confirmed = [];
        private readonly ConcurrentBag<Answer> _answers = [];
        private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();

        public TimeSpan Now => _clock.Elapsed;

        public TimeSpan FrozenAt { get; set; } = TimeSpan.MaxValue;

        public TimeSpan ThawedAt { get; set; } = TimeSpan.MaxValue;

        public int Created => _statuses.GetValueOrDefault(HttpStatusCode.Created);

        public int Confirmed => _confirmed.Count;

        public IEnumerable<string> ConfirmedIds => _confirmed;

        public IEnumerable<Answer> Answers => _answers;

        public void Record(Answer answer)
        {
            _answers.Add(answer);
            if (answer.Kind == "reserve")
            {
                _statuses.AddOrUpdate(answer.Status, 1, static (_, n) => n + 1);
            }
        }

        public void OnConfirmed(string saleId) => _confirmed.Add(saleId);

        public string Summary()
            => string.Join(", ", _statuses.OrderBy(static p => p.Key).Select(static p => $"{(int)p.Key}: {p.Value}")) + $"; confirmations {Confirmed}";
    }
}
