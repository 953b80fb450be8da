using Microsoft.AspNetCore.Http;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// The tenant check: the creator in the route names the resource asked for, the token's
/// <c>creator</c> claim names the caller's tenant, and only a match (or a platform operator) gets
/// through. A refusal is answered like "not found" for that creator. Fails closed: no validated
/// token, or no creator in the route, is refused too.
/// </summary>
internal sealed class CreatorAccessFilter(Func<string, IResult> notFound, string routeValue) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var creatorId = context.HttpContext.Request.RouteValues[routeValue] as string ?? "";
        var token = context.HttpContext.GetAccessToken();
        if (token is not null && creatorId.Length > 0 && token.MayAccessCreator(creatorId))
        {
            return next(context);
        }

        return ValueTask.FromResult<object?>(notFound(creatorId));
    }
}
