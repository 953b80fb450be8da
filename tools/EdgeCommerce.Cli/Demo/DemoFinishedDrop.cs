using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Demo;

/// <summary>
/// A drop that already happened, so a newcomer's first <c>drops report</c> shows real figures
///: the first demo creator's "first drop" opened a minute before <c>up</c> seeded it with
/// 3 units of two sizes and ends two minutes after; three demo viewers go through the first edge as
/// buyers do (RSVP, reserve, confirm; one releases), selling out one size. Best effort: a failure
/// is reported and <c>up</c> goes on.
/// </summary>
internal static class DemoFinishedDrop
{
    public const string DropId = "nova-first-drop";

    /// <summary>Runs the drop through <paramref name="edgeUrl"/>; returns a line for the console.</summary>
    public static async Task<string> SeedAsync(AdminClient admin, Uri edgeUrl, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var creator = DemoCatalogs.Create()[0];
        var skus = creator.Catalog.Products[0].Skus.Take(2).Select(static sku => sku.Id).ToList();
        var now = timeProvider.GetUtcNow();
        var body = JsonSerializer.Serialize(new DemoDropDocument(
            "First drop",
            now.AddMinutes(-1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            // Ends two minutes after up seeded it: by the time a newcomer looks, it is over.
            now.AddMinutes(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            null,
            2,
            [.. skus.Select(static sku => new DemoAllocation(sku, 3))]), CliJsonContext.Default.DemoDropDocument);
        var put = await admin.PutAsync($"/admin/v1/creators/{creator.Id}/drops/{DropId}", body, cancellationToken);
        if (!put.IsSuccess)
        {
            return "demo     no finished drop: the origin refused it" + Environment.NewLine + ProblemReport.Format(put);
        }

        try
        {
            using var edge = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = edgeUrl, Timeout = TimeSpan.FromSeconds(15) };
            await WaitForDropAsync(edge, cancellationToken);
            // (viewer, SKU index, units, then): 3 + 2 units sold, one reservation released; three
            // viewers, as many as the waiting room admits at once for this stock.
            (string Viewer, int Sku, int Units, bool Buys)[] plan =
            [
                ("demo-fan-1", 0, 2, true), ("demo-fan-2", 1, 1, false), ("demo-fan-2", 0, 1, true), ("demo-fan-3", 1, 2, true),
            ];
            var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var viewer in plan.Select(static p => p.Viewer).Distinct())
            {
                (tokens[viewer], _) = await admin.MintTokenAsync(new JsonObject
                {
                    ["subject"] = viewer,
                    ["creatorId"] = creator.Id,
                    ["scopes"] = new JsonArray("drop:reserve", "drop:rsvp"),
                    ["ttlSeconds"] = 600,
                    ["audience"] = "edge",
                }, cancellationToken);
            }

            await SendAsync(edge, HttpMethod.Post, $"/v1/drops/{DropId}/rsvp", tokens["demo-fan-1"], null, null, null, cancellationToken);
            await SendAsync(edge, HttpMethod.Post, $"/v1/drops/{DropId}/rsvp", tokens["demo-fan-2"], null, null, null, cancellationToken);
            var step = 0;
            foreach (var (viewer, sku, units, buys) in plan)
            {
                var key = "demo-" + step++.ToString(CultureInfo.InvariantCulture);
                var json = $$"""{"skuId":"{{skus[sku]}}","quantity":{{units}}}""";
                using var first = JsonDocument.Parse(await SendAsync(edge, HttpMethod.Post, $"/v1/drops/{DropId}/reservations", tokens[viewer], json, key, null, cancellationToken));
                var answer = first.RootElement.Clone();
                if (answer.TryGetProperty("ticket", out var ticket))
                {
                    // The waiting room queued this viewer (202): wait for the turn, then reserve with the ticket, as the shop does.
                    await WaitForTurnAsync(edge, answer.GetProperty("statusUrl").GetString()!, tokens[viewer], cancellationToken);
                    using var admitted = JsonDocument.Parse(await SendAsync(edge, HttpMethod.Post, $"/v1/drops/{DropId}/reservations", tokens[viewer], json, key, ticket.GetString(), cancellationToken));
                    answer = admitted.RootElement.Clone();
                }

                var id = answer.GetProperty("reservationId").GetString()!;
                await SendAsync(edge, buys ? HttpMethod.Post : HttpMethod.Delete, buys ? $"/v1/reservations/{id}/confirm" : $"/v1/reservations/{id}", tokens[viewer], null, null, null, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or CliException or JsonException or KeyNotFoundException or TaskCanceledException)
        {
            return "demo     the finished demo drop did not sell as planned: " + ex.Message;
        }

        return $"demo     drop {DropId} of {creator.Id} sold through the first edge (ends in 2 minutes): ./edgecommerce drops report --creator {creator.Id} --drop {DropId}";
    }

    private static async Task WaitForDropAsync(HttpClient edge, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 150; attempt++)
        {
            using var response = await edge.GetAsync($"/v1/drops/{DropId}", cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new CliException("the edge did not receive the drop within 30 s");
    }

    private static async Task WaitForTurnAsync(HttpClient edge, string statusUrl, string token, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 150; attempt++)
        {
            using var status = JsonDocument.Parse(await SendAsync(edge, HttpMethod.Get, statusUrl, token, null, null, null, cancellationToken));
            if (status.RootElement.GetProperty("state").GetString() == "admitted")
            {
                return;
            }

            await Task.Delay(200, cancellationToken);
        }

        throw new CliException("the waiting room did not admit a demo viewer within 30 s");
    }

    private static async Task<string> SendAsync(HttpClient edge, HttpMethod method, string path, string token, string? json, string? key, string? ticket, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        if (ticket is not null)
        {
            request.Headers.Add("Queue-Ticket", ticket);
        }

        using var response = await edge.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode ? body : throw new HttpRequestException($"{method} {path}: {(int)response.StatusCode} {body}");
    }
}
