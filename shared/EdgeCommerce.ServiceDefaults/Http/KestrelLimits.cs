using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.ServiceDefaults.Http;

/// <summary>
/// Binds <c>Kestrel:Limits</c> (for example <c>Kestrel:Limits:Http2:MaxStreamsPerConnection</c>)
/// onto Kestrel's options. The host binds only <c>Kestrel:Endpoints</c> and certificates from
/// configuration by itself, so without this a limit given in settings or the environment would be
/// silently ignored (an origin given 10,000 streams per HTTP/2 connection for its relays and
/// simulated edges would still advertise Kestrel's default of 100).
/// </summary>
internal static class KestrelLimits
{
    public const string SectionName = "Kestrel:Limits";

    public static IServiceCollection AddKestrelLimitsFromConfiguration(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        // Bound when Kestrel's options are built (a value that does not parse stops the host at start).
        services.Configure<KestrelServerOptions>(options => section.Bind(options.Limits));
        return services;
    }
}
