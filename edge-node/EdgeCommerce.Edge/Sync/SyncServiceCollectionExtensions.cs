using EdgeCommerce.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Sync;

internal static class SyncServiceCollectionExtensions
{
    /// <summary>The replica, its updater, the background sync loop and its gRPC client.</summary>
    public static IServiceCollection AddCatalogSync(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<SyncOptions>()
            .BindConfiguration(SyncOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(static o => o.OriginAddress is { IsAbsoluteUri: true } uri && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps),
                "Sync:OriginAddress must be an absolute http or https URL.")
            .Validate(static o => o.InitialBackoff <= o.MaxBackoff, "Sync:InitialBackoff must not exceed Sync:MaxBackoff.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ReplicaHolder>();
        services.TryAddSingleton<SyncState>();
        services.TryAddSingleton<ReplicaUpdater>();
        services.AddHostedService<SyncWorker>();
        services.AddHealthChecks().AddCheck<ReplicaReadinessCheck>("replica", tags: [ServiceDefaultsExtensions.ReadyTag]);

        services.AddGrpcClient<Contracts.Sync.CatalogSync.CatalogSyncClient>(SyncWorker.ClientName, static (provider, client) =>
            {
                client.Address = provider.GetRequiredService<IOptions<SyncOptions>>().Value.OriginAddress;
            })
            .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler
            {
                // HTTP/2 pings find a dead link long before TCP would; the idle timeout is the backstop.
                KeepAlivePingDelay = TimeSpan.FromSeconds(5),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                EnableMultipleHttp2Connections = true,
            })
            .ConfigureChannel(static channel =>
            {
                channel.MaxReceiveMessageSize = 256 * 1024 * 1024;
            });
        return services;
    }
}
