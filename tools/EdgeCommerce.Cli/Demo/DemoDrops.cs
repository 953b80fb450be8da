using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Demo;

/// <summary>
/// The demo drop: 40 units of each of the first three sizes of the first demo creator's first
/// product, opening 15 minutes after <c>up</c> seeded, with 10 minutes of early access for viewers
/// who RSVP. Best effort: a refusal is reported and <c>up</c> goes on.
/// </summary>
internal static class DemoDrops
{
    public const string DropId = "nova-tour-drop";

    /// <summary>Schedules the demo drop; returns a line for the console.</summary>
    public static async Task<string> SeedAsync(AdminClient admin, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(admin);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var creator = DemoCatalogs.Create()[0];
        var skus = creator.Catalog.Products[0].Skus.Take(3).Select(static sku => sku.Id).ToList();

        var now = timeProvider.GetUtcNow();
        var startsAt = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddMinutes(15);
        var body = JsonSerializer.Serialize(new DemoDropDocument(
            "Tour hoodie drop",
            startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            startsAt.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            new DemoEarlyAccess(10, "rsvp"),
            2,
            [.. skus.Select(static sku => new DemoAllocation(sku, 40))]), CliJsonContext.Default.DemoDropDocument);
        // The stack's platform operator token carries admin:drops.
        var response = await admin.PutAsync($"/admin/v1/creators/{creator.Id}/drops/{DropId}", body, cancellationToken);
        return response.IsSuccess
            ? $"demo     drop {DropId} of {creator.Id}: {skus.Count} SKUs × 40 units, early access (RSVP) from {startsAt.AddMinutes(-10):HH:mm}, opens {startsAt:HH:mm} UTC"
            : "demo     no drop: the origin refused it" + Environment.NewLine + ProblemReport.Format(response);
    }
}

internal sealed record DemoDropDocument(string Title, string StartsAt, string EndsAt, DemoEarlyAccess? EarlyAccess, int PerViewerLimit, IReadOnlyList<DemoAllocation> Allocations);

internal sealed record DemoEarlyAccess(int Minutes, string Audience);

internal sealed record DemoAllocation(string SkuId, int Units);
