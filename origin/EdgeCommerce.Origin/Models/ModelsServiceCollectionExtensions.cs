using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Origin.Models;

internal static class ModelsServiceCollectionExtensions
{
    /// <summary>Training, the model registry API, interaction intake from edges and retention.</summary>
    public static IServiceCollection AddModels(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ModelsOptions>()
            .BindConfiguration(ModelsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ModelTrainingService>();
        services.AddHostedService<InteractionRetention>();
        return services;
    }

    public static IEndpointRouteBuilder MapModels(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapModelsApi();
        endpoints.MapGrpcService<EdgeEventsService>().RequireScope(Scopes.EdgeSync);
        return endpoints;
    }
}
