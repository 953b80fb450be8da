using EdgeCommerce.Edge.Drops.Admission;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Edge.Drops;

internal static class DropsServiceCollectionExtensions
{
    /// <summary>Reservations inside origin leases, the waiting rooms, RSVPs, the housekeeping sweep and drop metrics.</summary>
    public static IServiceCollection AddDrops(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<DropsOptions>()
            .BindConfiguration(DropsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        // The live-stock stream (TypedResults.ServerSentEvents) serializes through the app's JSON options.
        services.ConfigureHttpJsonOptions(static options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, DropsJsonContext.Default));
        services.TryAddSingleton<Funnel.DropFunnel>();
        services.TryAddSingleton<DropMetrics>();
        services.TryAddSingleton<IDropInventoryOrigin, GrpcDropInventoryOrigin>();
        services.TryAddSingleton<DropReservations>();
        services.AddOptions<AdmissionOptions>()
            .BindConfiguration(AdmissionOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(static o => QueueTickets.TryLoadKey(o.TicketKeyPath, out _), "Drops:Admission:TicketKeyPath must name a file holding base64 of at least 32 bytes.")
            .ValidateOnStart();
        services.TryAddSingleton<AdmissionMetrics>();
        services.TryAddSingleton<DropAdmission>();
        services.AddHostedService<DropHousekeeping>();
        services.TryAddSingleton<Stock.IDropHoldsOrigin, Stock.GrpcDropHoldsOrigin>();
        services.TryAddSingleton<Stock.HoldsReporter>();
        services.AddHostedService(static sp => sp.GetRequiredService<Stock.HoldsReporter>());
        services.AddHostedService<StockPlacement>();
        services.AddHostedService<DropLeaseReclaim>();
        return services;
    }
}
