using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection.Extensions;

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
            .Validate(static o => o.AllOriginAddresses() is { Count: > 0 } addresses
                    && addresses.All(static uri => uri.IsAbsoluteUri && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)),
                "Sync:OriginAddress (or Sync:OriginAddresses) must hold absolute http or https URLs.")
            .Validate(static o => o.AllInventoryAddresses().All(static uri => uri.IsAbsoluteUri && SyncOptions.MayCarryToken(uri)),
                "Sync:InventoryAddress (and Sync:InventoryAddresses) must be absolute https:// URLs unless they are loopback addresses.")
            .Validate(static o => o.AllOriginAddresses().All(SyncOptions.MayCarryToken),
                "Sync:OriginAddress (and Sync:OriginAddresses) must be https:// unless they are loopback addresses: the edge's token never crosses a network in cleartext.")
            .Validate(static o => !string.IsNullOrWhiteSpace(o.Token) || !string.IsNullOrWhiteSpace(o.TokenPath),
                "Sync:Token or Sync:TokenPath must name the edge's edge:sync token: the origin refuses edges without one.")
            .Validate(static o => o.TrustedCertificatePath is null || File.Exists(o.TrustedCertificatePath),
                "Sync:TrustedCertificatePath names a file that does not exist.")
            .Validate(static o => o.InitialBackoff <= o.MaxBackoff, "Sync:InitialBackoff must not exceed Sync:MaxBackoff.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ReplicaHolder>();
        services.TryAddSingleton<SyncState>();
        services.TryAddSingleton<ReplicaUpdater>();
        services.TryAddSingleton<SyncCredentials>();
        services.TryAddSingleton<OriginChannels>();
        // Every unary call to the origin (drops, events) goes through its resilience pipeline.
        services.AddOriginLink();
        // Registered before the worker: hosted services start in order, so the persisted replica
        // is loaded before the first stream asks the origin for what follows it.
        services.AddHostedService<ReplicaPersistence>();
        services.AddHostedService<SyncWorker>();
        services.AddHealthChecks().AddCheck<ReplicaReadinessCheck>("replica", tags: [ServiceDefaultsExtensions.ReadyTag]);

        return services;
    }
}
