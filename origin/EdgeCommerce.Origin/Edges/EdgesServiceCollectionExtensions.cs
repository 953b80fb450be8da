using EdgeCommerce.ServiceDefaults;
using EdgeCommerce.ServiceDefaults.Observability;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Origin.Edges;

internal static class EdgesServiceCollectionExtensions
{
    /// <summary>The edge registry, its flusher to the store, and the directory the APIs read.</summary>
    public static IServiceCollection AddEdgeRegistry(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<RoutingOptions>()
            .BindConfiguration(RoutingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EdgeRegistry>();
        services.TryAddSingleton<EdgeDirectory>();
        services.AddHostedService<EdgeRegistryFlusher>();
        services.TryAddSingleton<EdgeLoadReports>();
        services.TryAddSingleton<EdgeMetrics>();
        // Observable instruments exist once their owner is created: create it with the host.
        services.AddHostedService<MetricsActivation>();
        services.AddSingleton<IDashboardSection, OriginNodeSection>();
        services.AddSingleton<IDashboardSection, EdgesDashboardSection>();
        return services;
    }

    /// <summary>The origin's dashboard at <c>/dashboard</c>: its own routes and every edge.</summary>
    public static WebApplication MapOriginDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.MapDashboard("Origin · edges overview");
    }

    private sealed class MetricsActivation(EdgeMetrics metrics) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(metrics);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
