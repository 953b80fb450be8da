using EdgeCommerce.Origin.CatalogAdmin;
using EdgeCommerce.Origin.Edges;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Sync;

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
        return builder;
    }

    public static WebApplication MapApplicationEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.MapCatalogAdminApi();
        app.MapCatalogSync();
        app.MapEdgesApi();
        return app;
    }
}
