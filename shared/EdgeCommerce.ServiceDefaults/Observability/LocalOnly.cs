using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.ServiceDefaults.Observability;

/// <summary>
/// Guards <c>/metrics</c> and <c>/dashboard</c>: unless <see cref="ObservabilityOptions.AllowRemote"/>,
/// only loopback connections get an answer; everyone else gets the same 404 as a path that does
/// not exist. Fails closed: a request without a remote address is refused too.
/// </summary>
internal static class LocalOnly
{
    public static bool Allows(HttpContext context)
    {
        if (context.RequestServices.GetService(typeof(IOptions<ObservabilityOptions>)) is IOptions<ObservabilityOptions> { Value.AllowRemote: true })
        {
            return true;
        }

        var remote = context.Connection.RemoteIpAddress;
        return remote is not null && IPAddress.IsLoopback(remote);
    }

    public static Task RefuseAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found.").ExecuteAsync(context);
    }
}
