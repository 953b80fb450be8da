using EdgeCommerce.ServiceDefaults.Authentication;
using EdgeCommerce.ServiceDefaults.Observability;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EdgeCommerce.Origin.Sync;

internal static class SyncServiceCollectionExtensions
{
    public static IServiceCollection AddCatalogSync(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddGrpc(static grpc =>
        {
            grpc.EnableDetailedErrors = false;
            grpc.MaxReceiveMessageSize = 64 * 1024;
            // Snapshots of large catalogs are big single messages until they stream in chunks.
            grpc.MaxSendMessageSize = 256 * 1024 * 1024;
        }).AddServiceOptions<CatalogSyncService>(static grpc =>
        {
            // A relay's DownstreamReport lists every edge behind it (a few hundred bytes each); any
            // other message is held to SyncWire.MaxEdgeMessageBytes by the method's own marshaller.
            grpc.MaxReceiveMessageSize = CatalogSyncService.MaxDownstreamReportBytes;
        });
        services.AddOptions<SyncOptions>()
            .BindConfiguration(SyncOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<ChangeFeed>();
        services.TryAddSingleton<RelayedTokenRenewer>();
        services.AddHostedService<ChangeLogCompactor>();
        return services;
    }

    public static IEndpointRouteBuilder MapCatalogSync(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        // Only edges: a token for the origin's audience carrying edge:sync, issued to the edge id
        // the stream's hello names (checked in the service). Anything else is refused before the call runs.
        var service = endpoints.MapGrpcService<CatalogSyncService>().RequireScope(Scopes.EdgeSync);
        // Watch and Sync stay open for as long as the edge is connected: out of the request latency.
        service.Add(static endpoint =>
        {
            if (endpoint.Metadata.OfType<GrpcMethodMetadata>().FirstOrDefault() is { Method.Type: not MethodType.Unary })
            {
                endpoint.Metadata.Add(new LongLivedEndpointMetadata(StreamKinds.GrpcStream));
            }
        });
        return endpoints;
    }
}
