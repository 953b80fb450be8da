using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Webhooks;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Origin.Webhooks;

internal static class WebhooksServiceCollectionExtensions
{
    /// <summary>Signed follow-up webhooks: options, the store (the origin store itself) and the dispatcher.</summary>
    public static IServiceCollection AddWebhooks(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<WebhooksOptions>()
            .BindConfiguration(WebhooksOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        // Same database and write lock as drops: an event's outbox rows commit with the event.
        services.TryAddSingleton<IWebhookStore>(static sp => sp.GetRequiredService<IOriginStore>() as IWebhookStore
            ?? sp.GetRequiredService<OriginStore>());
        services.TryAddSingleton<WebhookSecretSealer>();
        // Before the dispatcher: no delivery is signed before clear secrets are sealed.
        services.AddHostedService<WebhookSecretMaintenance>();
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapWebhooksApi();
    }
}
