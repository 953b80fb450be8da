using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Edge.Streams;

internal static class StreamsServiceCollectionExtensions
{
    /// <summary>The caps on long-lived anonymous requests (<see cref="StreamsOptions"/>), validated at start.</summary>
    public static IServiceCollection AddStreamCaps(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<StreamsOptions>()
            .BindConfiguration(StreamsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<StreamSlots>();
        return services;
    }
}
