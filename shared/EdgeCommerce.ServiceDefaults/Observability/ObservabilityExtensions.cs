using System.Diagnostics.Metrics;
using EdgeCommerce.ServiceDefaults.Observability;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace EdgeCommerce.ServiceDefaults;

/// <summary>
/// Metrics (Prometheus text at <c>/metrics</c>), traces (OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
/// is set) and the live dashboard (<c>/dashboard</c>), the same on the origin and every edge.
/// </summary>
public static class ObservabilityExtensions
{
    /// <summary>The Prometheus scrape path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The dashboard page; its data is at <c>/dashboard/data.json</c>.</summary>
    public const string DashboardPath = "/dashboard";

    /// <summary>
    /// Subscribes OpenTelemetry to our meters (<c>EdgeCommerce.*</c>), ASP.NET Core's and Kestrel's,
    /// with sub-millisecond buckets for every duration histogram; records traces of incoming
    /// requests and outgoing HTTP/gRPC calls when there is somewhere to send them; keeps the
    /// rolling latency window the dashboard reads.
    /// </summary>
    public static TBuilder AddObservability<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.Services.AddOptions<ObservabilityOptions>()
            .BindConfiguration(ObservabilityOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton(static provider => new RequestLatencyWindow(
            provider.GetRequiredService<IMeterFactory>(), provider.GetRequiredService<TimeProvider>()));
        builder.Services.TryAddSingleton(static provider => new LongLivedRequests(
            provider.GetRequiredService<IMeterFactory>(), provider.GetRequiredService<TimeProvider>()));
        // The window listens from the start, not from the first dashboard request.
        builder.Services.AddHostedService<WindowActivation>();

        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var tracing = otlp || builder.Configuration.GetValue<bool>(ObservabilityOptions.SectionName + ":" + nameof(ObservabilityOptions.Tracing));
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithMetrics(metrics => metrics
                .AddMeter(TelemetryNames.Prefix + ".*", TelemetryNames.HostingMeter, "Microsoft.AspNetCore.Server.Kestrel", "System.Runtime")
                .AddView(static instrument => IsDurationHistogram(instrument)
                    ? new ExplicitBucketHistogramConfiguration { Boundaries = TelemetryNames.DurationBuckets }
                    : null)
                // Scrapes see the values of the moment (the default caches the answer for 300 ms).
                .AddPrometheusExporter(static options => options.ScrapeResponseCacheDurationMilliseconds = 0));
        if (tracing)
        {
            telemetry.WithTracing(tracer => tracer
                .AddSource(TelemetryNames.Prefix + ".*")
                .AddAspNetCoreInstrumentation(static options => options.Filter = static context => !IsMachinery(context.Request.Path))
                // Edge -> origin gRPC calls go over HttpClient: their spans and the traceparent
                // header the origin's server span continues from.
                .AddHttpClientInstrumentation());
        }

        if (otlp)
        {
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary>Maps <c>/metrics</c> (Prometheus text format), loopback only unless <see cref="ObservabilityOptions.AllowRemote"/>.</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider: null, configureBranchedPipeline: static branch =>
            branch.Use(static (context, next) => LocalOnly.Allows(context) ? next(context) : LocalOnly.RefuseAsync(context)), optionsName: null);
        return app;
    }

    /// <summary>
    /// Maps the live dashboard: the page and its script (served from this assembly, no CDN), and
    /// <c>/dashboard/data.json</c>: per-route P50/P95/P99 over the last minute plus every
    /// registered <see cref="IDashboardSection"/> and <see cref="IDashboardTile"/>.
    /// </summary>
    public static WebApplication MapDashboard(this WebApplication app, string title)
    {
        ArgumentNullException.ThrowIfNull(app);
        DashboardEndpoints.Map(app, title);
        return app;
    }

    /// <summary>
    /// Keeps long-lived responses and requests that matched no route out of the request-duration
    /// metric (see <see cref="LongLivedRequests"/>). Runs after routing (which a
    /// <see cref="WebApplication"/> puts first), so it sees the matched endpoint.
    /// </summary>
    public static WebApplication UseRequestClassification(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.Use(LongLivedRequests.ClassifyAsync);
        return app;
    }

    /// <summary>Maps <c>/favicon.ico</c> (and <c>/favicon.svg</c>): the node's icon, out of the request metrics.</summary>
    public static WebApplication MapFavicon(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        DashboardEndpoints.MapFavicon(app);
        return app;
    }

    private sealed class WindowActivation(RequestLatencyWindow window) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(window);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// Histograms in seconds, except our own that advise their own buckets (a queue wait of minutes
    /// is not a request). ASP.NET Core's advise buckets too, and get ours: fine below a millisecond.
    /// </summary>
    private static bool IsDurationHistogram(Instrument instrument)
        => instrument.Unit == "s" && instrument.GetType().IsGenericType && instrument.GetType().GetGenericTypeDefinition() == typeof(Histogram<>)
            && !(instrument.Meter.Name.StartsWith(TelemetryNames.Prefix + ".", StringComparison.Ordinal) && instrument is Histogram<double> { Advice.HistogramBucketBoundaries: not null });

    private static bool IsMachinery(PathString path)
        => path.StartsWithSegments(MetricsPath) || path.StartsWithSegments(DashboardPath) || path.StartsWithSegments(DashboardEndpoints.FaviconPath)
        || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz");
}
