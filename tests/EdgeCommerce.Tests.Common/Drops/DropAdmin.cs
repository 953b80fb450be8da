using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace EdgeCommerce.Tests.Common.Drops;

/// <summary>The origin's drop admin API as the process tests drive it: drop documents, PUT, reads, an operator token.</summary>
public static class DropAdmin
{
    /// <summary>A drop document as <c>PUT /admin/v1/creators/{creator}/drops/{drop}</c> takes it (times to the second, UTC).</summary>
    public static string DropJson(string title, DateTimeOffset startsAt, DateTimeOffset endsAt, int perViewerLimit, params (string SkuId, int Units)[] allocations)
        => JsonSerializer.Serialize(new
        {
            title,
            startsAt = Timestamp(startsAt),
            endsAt = Timestamp(endsAt),
            perViewerLimit,
            allocations = allocations.Select(static a => new { skuId = a.SkuId, units = a.Units }),
        });

    /// <summary>A drop that started a minute ago and ends in an hour.</summary>
    public static string RunningDropJson(string title, int perViewerLimit, params (string SkuId, int Units)[] allocations)
    {
        var now = TimeProvider.System.GetUtcNow();
        return DropJson(title, now.AddMinutes(-1), now.AddHours(1), perViewerLimit, allocations);
    }

    /// <summary>A token for an operator of every creator's drops (<c>admin:drops</c>, <c>admin:platform</c>).</summary>
    public static Task<string> MintOpsTokenAsync(this OriginNode origin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return origin.MintTokenAsync("ops", null, ["admin:drops", "admin:platform"], "origin", cancellationToken);
    }

    /// <summary>PUTs a drop (with <paramref name="token"/>, or the origin's operator token) and returns the answer, whatever it is.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> TryPutDropAsync(this OriginNode origin, string creatorId, string dropId, string dropJson, CancellationToken cancellationToken, string? token = null)
    {
        ArgumentNullException.ThrowIfNull(origin);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/admin/v1/creators/{creatorId}/drops/{dropId}")
        {
            Content = new StringContent(dropJson, Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await origin.Http.SendAsync(request, cancellationToken);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(cancellationToken));
    }

    /// <summary>PUTs a drop; an answer other than a success throws with its body.</summary>
    public static async Task PutDropAsync(this OriginNode origin, string creatorId, string dropId, string dropJson, CancellationToken cancellationToken, string? token = null)
    {
        var (status, body) = await origin.TryPutDropAsync(creatorId, dropId, dropJson, cancellationToken, token);
        if ((int)status is < 200 or > 299)
        {
            throw new HttpRequestException($"PUT drop {creatorId}/{dropId}: {(int)status} {body}");
        }
    }

    /// <summary>The origin's admin view of a drop (phase, per-SKU allocation, sold, leased, available).</summary>
    public static Task<JsonElement> GetDropAsync(this OriginNode origin, string creatorId, string dropId, string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return origin.GetAdminAsync($"/admin/v1/creators/{creatorId}/drops/{dropId}", token, cancellationToken);
    }

    /// <summary>The drop's sales at the origin (the <c>sales</c> array).</summary>
    public static async Task<JsonElement> GetSalesAsync(this OriginNode origin, string creatorId, string dropId, string token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(origin);
        return (await origin.GetAdminAsync($"/admin/v1/creators/{creatorId}/drops/{dropId}/sales", token, cancellationToken)).GetProperty("sales");
    }

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
