using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EdgeCommerce.Tests.Common;
using EdgeCommerce.Tests.Common.Drops;
using Microsoft.Playwright;

namespace EdgeCommerce.FunctionalTests.Drops;

/// <summary>
/// The creator's drop report over real processes (an origin and one edge on loopback): the test
/// drives a drop itself (RSVPs, viewers queued before the start and admitted at it, reservations
/// confirmed, released, one sale cancelled by ops, a buyer of an earlier drop) and checks every
/// figure of the report against what it counted, the edge's funnel counts included (they reach
/// the origin on the sync stream's acks), and the report page in Chromium shows the same figures.
/// </summary>
public sealed class DropReportProcessTests
{
    private const string Creator = "report-creator";
    private const string EarlierDrop = "report-drop-0";
    private const string DropId = "report-drop-1";
    private const string Hoodie = "hoodie-m";
    private const string Cap = "cap-1";

    [Fact]
    public async Task Report_DropTheTestDroveAndCounted_EveryFigureMatches()
    {
        // Arrange: hoodies at 59.00 EUR costing 21.00; caps at 25.00 with no cost given.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        await using var stack = await DropProcesses.StartAsync(data, ["edge-report-1"], cancellationToken);
        var (origin, edge) = (stack.Origin, stack.Edge);
        await origin.PushCatalogAsync(Creator, """
            {"products":[
              {"id":"hoodie","title":"Tour hoodie","price":{"amountMinor":5900,"currency":"EUR"},"skus":[{"id":"hoodie-m","label":"M","unitCostMinor":2100}]},
              {"id":"cap","title":"Tour cap","price":{"amountMinor":2500,"currency":"EUR"},"skus":[{"id":"cap-1","label":"One size"}]}]}
            """, cancellationToken);
        var viewers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in new[] { "v1", "v2", "v3", "v4", "v5", "v6" })
        {
            viewers[name] = await origin.MintTokenAsync(name, Creator, ["drop:reserve", "drop:rsvp"], "edge", cancellationToken);
        }

        // v1 bought in an earlier drop of the creator: a repeat buyer once it buys in this one.
        await PutDropAsync(origin, EarlierDrop, DateTimeOffset.UtcNow.AddMinutes(-1), cancellationToken);
        await edge.WaitForDropAsync(EarlierDrop, cancellationToken);
        var earlier = await edge.ReserveAsync(EarlierDrop, viewers["v1"], Hoodie, 1, "earlier-1", cancellationToken);
        Assert.True(earlier.Status == HttpStatusCode.Created, earlier.Body.ToString());
        Assert.Equal(HttpStatusCode.OK, (await edge.SendAsync(HttpMethod.Post, $"/v1/reservations/{earlier.ReservationId}/confirm", viewers["v1"], cancellationToken)).Status);

        // This drop, scheduled far ahead so every viewer is early: three RSVP, all six queue.
        await PutDropAsync(origin, DropId, DateTimeOffset.UtcNow.AddHours(1), cancellationToken);
        await edge.WaitForDropAsync(DropId, cancellationToken);
        foreach (var name in new[] { "v1", "v2", "v3" })
        {
            Assert.Equal(HttpStatusCode.OK, (await edge.SendAsync(HttpMethod.Post, $"/v1/drops/{DropId}/rsvp", viewers[name], cancellationToken)).Status);
        }

        var plan = new (string Viewer, string Sku, int Quantity, string Then)[]
        {
            ("v1", Hoodie, 2, "confirm"), ("v2", Hoodie, 1, "cancel"), ("v3", Cap, 1, "release"), ("v4", Cap, 1, "confirm"), ("v5", Hoodie, 1, "confirm"),
            ("v6", Cap, 1, "confirm"),
        };
        var tickets = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var step in plan)
        {
            var queued = await edge.ReserveAsync(DropId, viewers[step.Viewer], step.Sku, step.Quantity, "key-" + step.Viewer, cancellationToken);
            Assert.True(queued.Status == HttpStatusCode.Accepted, queued.Body.ToString());
            tickets[step.Viewer] = queued.Body;
        }

        // Act: the drop opens in 3 s; each viewer, once admitted, reserves and does what the plan says.
        await PutDropAsync(origin, DropId, DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3), cancellationToken);
        await edge.WaitUntilAsync(async () =>
        {
            foreach (var step in plan)
            {
                var status = await edge.SendAsync(HttpMethod.Get, tickets[step.Viewer].GetProperty("statusUrl").GetString()!, viewers[step.Viewer], cancellationToken);
                if (status.Body.GetProperty("state").GetString() != "admitted")
                {
                    return false;
                }
            }

            return true;
        }, "every viewer admitted", cancellationToken);
        var reservations = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var step in plan)
        {
            var reserved = await edge.ReserveAsync(DropId, viewers[step.Viewer], step.Sku, step.Quantity, "key-" + step.Viewer, cancellationToken,
                tickets[step.Viewer].GetProperty("ticket").GetString());
            Assert.True(reserved.Status == HttpStatusCode.Created, $"{step.Viewer}: {reserved.Status} {reserved.Body}");
            reservations[step.Viewer] = reserved.ReservationId;
            var path = $"/v1/reservations/{reservations[step.Viewer]}";
            var answer = step.Then == "release"
                ? await edge.SendAsync(HttpMethod.Delete, path, viewers[step.Viewer], cancellationToken)
                : await edge.SendAsync(HttpMethod.Post, path + "/confirm", viewers[step.Viewer], cancellationToken);
            Assert.True(answer.Status is HttpStatusCode.OK or HttpStatusCode.NoContent, $"{step.Viewer} {step.Then}: {answer.Status}");
        }

        using var cancel = await origin.Http.PostAsync($"/admin/v1/creators/{Creator}/drops/{DropId}/sales/{reservations["v2"]}/cancel", null, cancellationToken);
        Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync(cancellationToken));
        // The edge's counts arrive with its acks (every 5 s at most): wait until the last step is in.
        var report = default(JsonElement);
        await edge.WaitUntilAsync(async () =>
        {
            report = await origin.Http.GetFromJsonAsync<JsonElement>($"/admin/v1/creators/{Creator}/drops/{DropId}/report", cancellationToken);
            var funnel = report.GetProperty("funnel");
            return funnel.GetProperty("reserved").GetInt64() == plan.Length && funnel.GetProperty("released").GetInt64() == 1
                && report.GetProperty("edgeP95Ms").GetProperty("confirm").ValueKind == JsonValueKind.Number;
        }, "the edge's funnel counts at the origin", cancellationToken);

        // Assert: what this test did, counted by hand.
        Assert.Equal("sold_out", report.GetProperty("phase").GetString());
        Assert.Equal(
            """{"rsvps":3,"queued":6,"admitted":6,"reserved":6,"paid":4,"released":1,"expired":0}""",
            report.GetProperty("funnel").GetRawText());
        // RSVP'd and bought: v1 of v1..v3 (v2's sale was cancelled, v3 released); paid 4 of 6 reservations.
        Assert.Equal("""{"rsvpToPaid":0.3333,"reservedToPaid":0.6667}""", report.GetProperty("conversion").GetRawText());
        Assert.True(report.GetProperty("soldOutAfterSeconds").GetDouble() > 0);
        var skus = report.GetProperty("skus").EnumerateArray().ToDictionary(static s => s.GetProperty("skuId").GetString()!);
        // Hoodies: v1 ×2 + v5 ×1 standing (v2's cancelled unit stays sold); caps: v4 and v6.
        Assert.Equal("""{"skuId":"hoodie-m","allocation":4,"sold":4,"revenueMinor":17700,"currency":"EUR","unitCostMinor":2100,"marginMinor":11400}""", skus[Hoodie].GetRawText());
        Assert.Equal("""{"skuId":"cap-1","allocation":2,"sold":2,"revenueMinor":5000,"currency":"EUR","unitCostMinor":null,"marginMinor":null}""", skus[Cap].GetRawText());
        Assert.Equal("""{"orders":4,"units":5,"revenueMinor":22700,"currency":"EUR","marginMinor":null}""", report.GetProperty("totals").GetRawText());
        Assert.Equal(1, report.GetProperty("exceptions").GetProperty("cancelled").GetInt64());
        Assert.Equal(1, report.GetProperty("exceptions").EnumerateObject().Sum(static e => e.Value.GetInt64()));
        // One exception over five orders confirmed.
        Assert.Equal(200.0, report.GetProperty("exceptionsPer1000Orders").GetDouble());
        Assert.True(report.GetProperty("edgeP95Ms").GetProperty("reserve").GetDouble() > 0);
        Assert.True(report.GetProperty("edgeP95Ms").GetProperty("confirm").GetDouble() > 0);
        var repeat = report.GetProperty("repeat");
        Assert.Equal((4, 1), (repeat.GetProperty("buyers").GetInt64(), repeat.GetProperty("repeatBuyers").GetInt64()));
        Assert.True(repeat.GetProperty("medianDaysToFirstRepeat").GetDouble() >= 0);

        // The page shows the same figures (Chromium, when installed): funnel bars, SKU rows, totals.
        if (File.Exists(Chromium))
        {
            await CheckPageAsync(origin, report, cancellationToken);
        }
    }

    private const string Chromium = "/usr/bin/chromium";

    /// <summary>
    /// The report page in headless Chromium, signed in with an <c>admin:drops</c> token of the
    /// creator in the fragment: it draws the API's figures; another creator's token sees "no such
    /// drop". Screenshots go to <c>artifacts/test-results/report/</c>.
    /// </summary>
    private static async Task CheckPageAsync(OriginNode origin, JsonElement report, CancellationToken cancellationToken)
    {
        var screenshots = Path.Combine(Repository.Root, "artifacts", "test-results", "report");
        Directory.CreateDirectory(screenshots);
        var token = await origin.MintTokenAsync("ops", Creator, ["admin:drops"], "origin", cancellationToken);
        var stranger = await origin.MintTokenAsync("ops", "another-creator", ["admin:drops"], "origin", cancellationToken);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 800, Height = 1200 } });
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                errors.Add(message.Text);
            }
        };
        var url = new Uri(origin.HttpAddress, $"/admin/creators/{Creator}/drops/{DropId}").ToString();
        await page.GotoAsync(url + "#token=" + token);
        await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-state", "ready", new() { Timeout = 20_000 });
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "01-drop-report.png"), FullPage = true });
        var funnel = report.GetProperty("funnel");
        foreach (var step in new[] { "rsvps", "queued", "admitted", "reserved", "paid", "released", "expired" })
        {
            await Assertions.Expect(page.Locator($"rect[data-step='{step}']")).ToHaveAttributeAsync("data-value", funnel.GetProperty(step).GetInt64().ToString(CultureInfo.InvariantCulture));
        }

        await Assertions.Expect(page.Locator("path[data-units]")).ToHaveAttributeAsync("data-units", report.GetProperty("totals").GetProperty("units").GetInt64().ToString(CultureInfo.InvariantCulture));
        await Assertions.Expect(page.Locator($"tr[data-sku='{Hoodie}']")).ToContainTextAsync("177.00 EUR");
        await Assertions.Expect(page.Locator($"tr[data-sku='{Hoodie}']")).ToContainTextAsync("114.00 EUR");
        await Assertions.Expect(page.Locator("#skus tfoot")).ToContainTextAsync("227.00 EUR");
        Assert.DoesNotContain("token=", page.Url, StringComparison.Ordinal);
        Assert.Empty(errors);

        var other = await browser.NewPageAsync();
        await other.GotoAsync(url + "#token=" + stranger);
        await Assertions.Expect(other.Locator("body")).ToHaveAttributeAsync("data-state", "error", new() { Timeout = 20_000 });
        await Assertions.Expect(other.Locator("#summary")).ToHaveTextAsync("No such drop for this token.");
        await other.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(screenshots, "02-another-creators-token.png"), FullPage = true });
    }

    private static Task PutDropAsync(OriginNode origin, string dropId, DateTimeOffset startsAt, CancellationToken cancellationToken)
        => origin.PutDropAsync(Creator, dropId, DropAdmin.DropJson("Report drop", startsAt, startsAt.AddHours(2), 2, (Hoodie, 4), (Cap, 2)), cancellationToken);
}
