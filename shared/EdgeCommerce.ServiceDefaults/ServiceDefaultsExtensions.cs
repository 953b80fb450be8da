using EdgeCommerce.ServiceDefaults.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace EdgeCommerce.ServiceDefaults;

/// <summary>
/// Wiring shared by the origin and the edge: RFC 9457 problem details for every error,
/// liveness and readiness endpoints, an injected clock, the OpenAPI document, metrics and traces.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Health checks tagged with this name gate <c>/readyz</c>.</summary>
    public const string ReadyTag = "ready";

    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddProblemDetails();
        // A body the framework cannot bind (bad JSON, a lone surrogate, too deep) is the caller's
        // 400 in every environment; the Development default throws, which the exception handler
        // turns into a 500 and an Error log.
        builder.Services.Configure<RouteHandlerOptions>(static options => options.ThrowOnBadRequest = false);
        builder.Services.AddKestrelLimitsFromConfiguration(builder.Configuration);
        builder.Services.AddHealthChecks();
        builder.Services.AddOpenApi();
        builder.AddObservability();
        return builder;
    }

    /// <summary>
    /// Turns unhandled exceptions and bare status codes into problem details, and keeps long-lived
    /// and unmatched requests out of the request-latency metric. Call first.
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRequestClassification();
        return app;
    }

    /// <summary>
    /// Maps <c>/healthz</c> (the process is alive), <c>/readyz</c> (every check tagged
    /// <see cref="ReadyTag"/> passes), <c>/openapi/v1.json</c>, <c>/metrics</c> (Prometheus) and <c>/favicon.ico</c>.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = static _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = static check => check.Tags.Contains(ReadyTag),
            // "Not ready yet" is reported as Degraded (logged as a warning, not an error, on every
            // probe) and still answers 503 so no traffic is routed here.
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
        });
        app.MapOpenApi();
        app.MapMetrics();
        app.MapFavicon();
        return app;
    }
}
