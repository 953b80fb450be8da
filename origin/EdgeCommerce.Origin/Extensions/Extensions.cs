using EdgeCommerce.Origin.CatalogAdmin;
using EdgeCommerce.Origin.Drops;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.Origin.Models;
using EdgeCommerce.Origin.Network;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Sync;
using EdgeCommerce.Origin.Webhooks;
using EdgeCommerce.ServiceDefaults.Authentication;

namespace EdgeCommerce.Origin.Extensions;

internal static class Extensions
{
    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);

        builder.Services.AddOriginStorage();
        builder.Services.AddCatalogAdmin();
        builder.Services.AddCatalogSync();
        builder.Services.AddEdgeRegistry();
        builder.Services.AddSigningKeys();
        builder.Services.AddDrops();
        builder.Services.AddWebhooks();
        builder.Services.AddModels();
        builder.Services.AddCleartextGuard();
        return builder;
    }

    public static WebApplication MapApplicationEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.UseCleartextGuard();
        // Before authentication: the only output-cached answer is public (/v1/edges/nearest).
        app.UseOutputCache();
        app.UseAccessTokenAuthentication();
        app.UseAuthorization();
        app.MapCatalogAdminApi();
        app.MapKeysApi();
        app.MapViewerTokensApi();
        app.MapCatalogSync();
        app.MapEdgesApi();
        app.MapOriginDashboard();
        app.MapDrops();
        app.MapWebhooks();
        app.MapModels();
        return app;
    }
}
