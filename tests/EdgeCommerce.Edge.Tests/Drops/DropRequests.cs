using System.Text;
using EdgeCommerce.Edge.Drops;
using EdgeCommerce.Edge.Drops.Admission;

namespace EdgeCommerce.Edge.Tests.Drops;

/// <summary>Viewer requests to the in-memory edge's drop endpoints, as a shop page sends them.</summary>
internal static class DropRequests
{
    /// <summary><c>POST /v1/drops/{dropId}/reservations</c>, with an Idempotency-Key and a Queue-Ticket when given.</summary>
    public static Task<HttpResponseMessage> ReserveAsync(HttpClient client, string dropId, string skuId, int quantity, string? key, string? ticket, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/drops/{dropId}/reservations")
        {
            Content = new StringContent($$"""{"skuId":"{{skuId}}","quantity":{{quantity}}}""", Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation(DropsApi.IdempotencyKeyHeader, key);
        }

        if (ticket is not null)
        {
            request.Headers.TryAddWithoutValidation(AdmissionApi.QueueTicketHeader, ticket);
        }

        return client.SendAsync(request, cancellationToken);
    }
}
