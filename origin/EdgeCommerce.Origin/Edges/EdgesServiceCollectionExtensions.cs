using EdgeCommerce.Origin.Storage;
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
            .Validate(static o => o.AllowedEdgeUrls.All(static p => p.Length is > 0 and <= 253 && !p.Contains('/', StringComparison.Ordinal)
                && (p.StartsWith('[') || !p.Contains(':', StringComparison.Ordinal))),
                "Routing:AllowedEdgeUrls lists host names or *.suffix patterns (no scheme, port or path).")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<EdgeRegistry>();
        services.TryAddSingleton<EdgeDirectory>();
        // The public nearest-edge answer, which every creator page asks on load. Entries are a few
        // hundred bytes per region and registry state.
        services.AddOutputCache(static options =>
        {
            options.SizeLimit = 8 * 1024 * 1024;
            options.AddPolicy(NearestEdgesCachePolicy.PolicyName, new NearestEdgesCachePolicy());
        });
        services.AddHostedService<EdgeRegistryFlusher>();
        services.TryAddSingleton<EdgeUrlPolicy>();
        // Revocations live in the origin store; a test double of IOriginStore that does not keep
        // them falls back to the configured real store (as the drop store does).
        services.TryAddSingleton<IEdgeRevocationStore>(static sp => sp.GetRequiredService<IOriginStore>() as IEdgeRevocationStore
            ?? sp.GetRequiredService<OriginStore>());
        services.TryAddSingleton<EdgeRevocations>();
        services.AddHostedService<EdgeRevocationRefresher>();
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
