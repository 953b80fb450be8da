using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.ServiceDefaults;
using EdgeCommerce.ServiceDefaults.Observability;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Observability;

internal static class EdgeObservabilityExtensions
{
    /// <summary>Sync metrics, the load report the edge sends its origin, and the edge's dashboard sections.</summary>
    public static IServiceCollection AddEdgeObservability(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.TryAddSingleton<SyncMetrics>();
        services.TryAddSingleton<EdgeLoadReport>();
        // Observable instruments exist once their owner is created: create it with the host.
        services.AddHostedService<MetricsActivation>();
        services.AddSingleton<IDashboardSection, EdgeNodeSection>();
        services.AddSingleton<IDashboardSection, WidgetCacheSection>();
        services.AddSingleton<IDashboardSection, SyncSection>();
        services.AddSingleton<IDashboardTile, ModelVersionTile>();
        services.AddSingleton<IDashboardTile, DropStockTile>();
        return services;
    }

    /// <summary>The live dashboard at <c>/dashboard</c>.</summary>
    public static WebApplication MapEdgeDashboard(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var edge = app.Services.GetRequiredService<IOptions<EdgeOptions>>().Value;
        return app.MapDashboard($"Edge {edge.Id} · {edge.Region}");
    }

    private sealed class MetricsActivation(SyncMetrics sync) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            GC.KeepAlive(sync);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
