using System.Text.Json;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Demo;

/// <summary>Pushes the demo catalogs into an origin that has no creators yet; leaves any other origin alone.</summary>
internal static class DemoSeeder
{
    /// <summary>Seeds when the origin is empty. Returns the creators the origin holds afterwards.</summary>
    /// <exception cref="CliException">The origin refused a demo catalog or could not be read.</exception>
    public static async Task<SeedResult> SeedIfEmptyAsync(AdminClient admin, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);

        var existing = await admin.GetCreatorsAsync(cancellationToken);
        if (existing.Count > 0)
        {
            return new SeedResult(Seeded: false, existing.Select(static creator => creator.Id).ToList(), existing.Sum(static creator => creator.Products));
        }

        var demo = DemoCatalogs.Create();
        foreach (var creator in demo)
        {
            var document = JsonSerializer.SerializeToUtf8Bytes(creator.Catalog, CliJsonContext.Default.CatalogFile);
            var response = await admin.PutCatalogAsync(creator.Id, document, ifMatch: null, cancellationToken);
            if (!response.IsSuccess)
            {
                throw new CliException($"The origin refused the demo catalog of '{creator.Id}':{Environment.NewLine}{ProblemReport.Format(response)}");
            }
        }

        return new SeedResult(Seeded: true, demo.Select(static creator => creator.Id).ToList(), demo.Sum(static creator => creator.Catalog.Products.Count));
    }
}

/// <summary>What the origin holds after seeding.</summary>
/// <param name="Seeded">True when the demo data was pushed just now.</param>
/// <param name="CreatorIds">Every creator on the origin (the demo ones when just seeded).</param>
/// <param name="Products">Products across those creators.</param>
internal sealed record SeedResult(bool Seeded, IReadOnlyList<string> CreatorIds, int Products);
