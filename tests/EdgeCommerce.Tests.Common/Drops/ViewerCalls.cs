using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace EdgeCommerce.Tests.Common.Drops;

/// <summary>
/// One answer of an edge's viewer API: the status, the body as JSON (<c>default</c> when it has
/// none or is not JSON) and as text, Retry-After in seconds, Location, and how long it took.
/// </summary>
public sealed record EdgeAnswer(HttpStatusCode Status, JsonElement Body, string Text, double? RetryAfter, Uri? Location, TimeSpan Elapsed)
{
    /// <summary>The reservation id of a reservation's answer.</summary>
    public string ReservationId => Body.GetProperty("reservationId").GetString()!;

    public override string ToString() => $"{(int)Status} {Text}";
}

/// <summary>Viewer calls to an edge's drop endpoints as a shop page makes them: a bearer token, an Idempotency-Key, a Queue-Ticket.</summary>
public static class ViewerCalls
{
    /// <summary>The body of <c>POST /v1/drops/{drop}/reservations</c>.</summary>
    public static string ReserveJson(string skuId, int quantity) => $$"""{"skuId":"{{skuId}}","quantity":{{quantity}}}""";

    /// <summary>Sends one call and reads the whole answer (<paramref name="path"/> relative to the client's base address, or absolute).</summary>
    public static Task<EdgeAnswer> SendAsync(this HttpClient http, HttpMethod method, string path, string token, CancellationToken cancellationToken,
        string? json = null, string? idempotencyKey = null, string? ticket = null)
        => http.SendAsync(method, new Uri(path, UriKind.RelativeOrAbsolute), token, cancellationToken, json, idempotencyKey, ticket);

    public static async Task<EdgeAnswer> SendAsync(this HttpClient http, HttpMethod method, Uri uri, string token, CancellationToken cancellationToken,
        string? json = null, string? idempotencyKey = null, string? ticket = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        using var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        if (ticket is not null)
        {
            request.Headers.Add("Queue-Ticket", ticket);
        }

        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        var started = Stopwatch.GetTimestamp();
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var body = text.Length > 0 && response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) == true
            ? JsonDocument.Parse(text).RootElement.Clone()
            : default;
        return new EdgeAnswer(response.StatusCode, body, text, response.Headers.RetryAfter?.Delta?.TotalSeconds, response.Headers.Location, elapsed);
    }

    /// <summary><c>POST /v1/drops/{dropId}/reservations</c> on <paramref name="edge"/> for <paramref name="quantity"/> of <paramref name="skuId"/>.</summary>
    public static Task<EdgeAnswer> ReserveAsync(this HttpClient http, EdgeNode edge, string dropId, string token, string skuId, int quantity, string? idempotencyKey,
        CancellationToken cancellationToken, string? ticket = null)
    {
        ArgumentNullException.ThrowIfNull(edge);
        return http.SendAsync(HttpMethod.Post, new Uri(edge.Address, $"/v1/drops/{dropId}/reservations"), token, cancellationToken, ReserveJson(skuId, quantity), idempotencyKey, ticket);
    }

    /// <summary>A call through <paramref name="edge"/>'s own client (<see cref="EdgeNode.Http"/>).</summary>
    public static Task<EdgeAnswer> SendAsync(this EdgeNode edge, HttpMethod method, string path, string token, CancellationToken cancellationToken,
        string? json = null, string? idempotencyKey = null, string? ticket = null)
    {
        ArgumentNullException.ThrowIfNull(edge);
        return edge.Http.SendAsync(method, path, token, cancellationToken, json, idempotencyKey, ticket);
    }

    /// <summary>A reservation through <paramref name="edge"/>'s own client (<see cref="EdgeNode.Http"/>).</summary>
    public static Task<EdgeAnswer> ReserveAsync(this EdgeNode edge, string dropId, string token, string skuId, int quantity, string? idempotencyKey,
        CancellationToken cancellationToken, string? ticket = null)
    {
        ArgumentNullException.ThrowIfNull(edge);
        return edge.Http.ReserveAsync(edge, dropId, token, skuId, quantity, idempotencyKey, cancellationToken, ticket);
    }
}
