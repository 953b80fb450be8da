using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Edge.Recommendations;

internal static class RecommendationsServiceCollectionExtensions
{
    /// <summary>The recommender: model holder (hot swap), viewer histories, popularity fallback, events.</summary>
    public static IServiceCollection AddRecommendations(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RecommendationsOptions>()
            .BindConfiguration(RecommendationsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddMetrics();
        services.ConfigureHttpJsonOptions(static options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, RecommendationsJsonContext.Default));
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RecommendationsMetrics>();
        services.TryAddSingleton<ModelHolder>();
        services.TryAddSingleton<ModelActivator>();
        services.TryAddSingleton<ViewerHistoryCache>();
        services.TryAddSingleton<PopularityCounter>();
        services.TryAddSingleton<ISkuAvailability, ReplicaStockAvailability>();
        services.TryAddSingleton<Recommender>();
        services.TryAddSingleton<EventForwarder>();
        services.AddHostedService(static provider => provider.GetRequiredService<EventForwarder>());
        return services;
    }
}
