namespace EdgeCommerce.Origin.CatalogAdmin;

internal static class CatalogAdminServiceCollectionExtensions
{
    public static IServiceCollection AddCatalogAdmin(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        services.AddOptions<CatalogOptions>()
            .BindConfiguration(CatalogOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return services;
    }
}
