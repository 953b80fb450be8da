using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Origin.Storage;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the store (SQLite by default) and opens it before the host starts serving.</summary>
    public static IServiceCollection AddOriginStorage(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RevisionSignal>();
        services.TryAddSingleton<IOriginStore, SqliteOriginStore>();
        services.AddHostedService<StoreInitializer>();
        return services;
    }
}
