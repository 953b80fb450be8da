using EdgeCommerce.Edge.Catalog;
using EdgeCommerce.Edge.Drops;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.Observability;
using EdgeCommerce.Edge.Recommendations;
using EdgeCommerce.Edge.RateLimiting;
using EdgeCommerce.Edge.Relay;
using EdgeCommerce.Edge.Shop;
using EdgeCommerce.Edge.Streams;
using EdgeCommerce.Edge.Sync;
using EdgeCommerce.Edge.Viewers;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Extensions;

internal static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.Services.AddOptions<EdgeOptions>()
            .BindConfiguration(EdgeOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<EdgeOptions>, EdgeOptionsValidator>();
        builder.Services.AddOptions<SocketTransportOptions>().Configure<IOptions<EdgeOptions>>(static (transport, edge)
            => transport.WaitForDataBeforeAllocatingBuffer = !edge.Value.ReceiveBuffersUpFront);
        builder.Services.AddAccessTokenAuthentication(Audiences.Edge);
        builder.Services.AddCatalogSync();
        builder.Services.AddCatalogWidgets();
        builder.Services.AddRecommendations();
        builder.Services.AddViewerRateLimits();
        builder.Services.AddEdgeObservability();
        builder.Services.AddDrops();
        builder.Services.AddShop();
        builder.Services.AddStreamCaps();
        builder.AddRelay();
        return builder;
    }

    public static WebApplication MapApplicationEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Before output caching and authentication: preflights carry no token and are answered here.
        app.UseCors();
        app.UseOutputCache();
        app.UseRelayCredentials();
        app.UseAccessTokenAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapWidgetApi();
        app.MapViewerApi();
        app.MapDropsApi();
        app.MapRecommendationsApi();
        app.MapDemoImages();
        app.MapShopApi();
        app.MapEdgeStatusApi();
        app.MapEdgeDashboard();
        app.MapRelay();
        return app;
    }
}
