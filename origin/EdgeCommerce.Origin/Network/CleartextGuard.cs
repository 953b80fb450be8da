using System.Net;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Network;

/// <summary>
/// On a cleartext connection from another host, answers only the health probes (404 for anything
/// else, as for a path that does not exist) unless <see cref="NetworkOptions.AllowRemoteCleartext"/>.
/// Loopback, in-process and TLS connections pass untouched. This is what lets the container listen
/// on all interfaces for the orchestrator's probes without exposing the admin API in cleartext.
/// </summary>
internal static class CleartextGuard
{
    public static IServiceCollection AddCleartextGuard(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<NetworkOptions>().BindConfiguration(NetworkOptions.SectionName);
        return services;
    }

    public static IApplicationBuilder UseCleartextGuard(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var allowRemote = app.ApplicationServices.GetRequiredService<IOptions<NetworkOptions>>().Value.AllowRemoteCleartext;
        return allowRemote ? app : app.Use(static (context, next) => IsAllowed(context) ? next(context) : NotFoundAsync(context));
    }

    internal static bool IsAllowed(HttpContext context)
    {
        if (context.Request.IsHttps || context.Connection.RemoteIpAddress is not { } remote)
        {
            return true;
        }

        if (IPAddress.IsLoopback(remote.IsIPv4MappedToIPv6 ? remote.MapToIPv4() : remote))
        {
            return true;
        }

        var path = context.Request.Path;
        return path.Equals("/healthz", StringComparison.Ordinal) || path.Equals("/readyz", StringComparison.Ordinal);
    }

    private static Task NotFoundAsync(HttpContext context)
    {
        // Status-code pages turn the bare 404 into the same problem details as an unknown path.
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
