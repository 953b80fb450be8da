using System.Net;

namespace EdgeCommerce.Origin.CatalogAdmin;

/// <summary>
/// REVIEW: stopgap until scoped admin tokens land (issue 4): the admin API answers only
/// connections from loopback. Fails closed: a request without a remote address is refused too.
/// </summary>
internal sealed class LoopbackOnlyFilter : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var remote = context.HttpContext.Connection.RemoteIpAddress;
        if (remote is not null && IPAddress.IsLoopback(remote))
        {
            return next(context);
        }

        return ValueTask.FromResult<object?>(TypedResults.Problem(
            statusCode: StatusCodes.Status403Forbidden,
            title: "The admin API accepts loopback connections only."));
    }
}
