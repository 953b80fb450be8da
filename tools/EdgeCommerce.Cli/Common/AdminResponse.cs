using System.Net;

namespace EdgeCommerce.Cli.Common;

/// <summary>One answer of the admin API, read whole (admin answers are small).</summary>
internal sealed record AdminResponse(HttpStatusCode StatusCode, string? ReasonPhrase, string Body, string? MediaType, string? ETag)
{
    public bool IsSuccess => (int)StatusCode is >= 200 and < 300;
}
