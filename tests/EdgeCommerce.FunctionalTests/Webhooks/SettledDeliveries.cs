using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace EdgeCommerce.FunctionalTests.Webhooks;

/// <summary>
/// An endpoint's deliveries once none is waiting on an attempt in flight: a receiver sees a request
/// before the origin reads its answer, so a list read the moment the receiver has it can still show
/// the last delivery pending.
/// </summary>
internal static class SettledDeliveries
{
    public static async Task<JsonElement> ReadAsync(HttpClient origin, string creator, string webhookId, CancellationToken cancellationToken)
    {
        var elapsed = Stopwatch.StartNew();
        while (true)
        {
            var page = await origin.GetFromJsonAsync<JsonElement>($"/admin/v1/creators/{creator}/webhooks/{webhookId}/deliveries", cancellationToken);
            var deliveries = page.GetProperty("deliveries").EnumerateArray();
            if (deliveries.All(static d => d.GetProperty("state").GetString() != "pending") || elapsed.Elapsed > TimeSpan.FromSeconds(30))
            {
                return page;
            }

            await Task.Delay(100, cancellationToken);
        }
    }
}
