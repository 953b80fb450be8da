namespace EdgeCommerce.ServiceDefaults.Observability;

/// <summary>
/// A part of the live dashboard's data (<c>/dashboard/data.json</c>), registered by the feature
/// that owns it: the edge's widget cache and sync link, the origin's edge overview, and later the
/// recommender's model version or a drop's stock. Sections are read about once a second per open
/// dashboard: keep <see cref="DescribeAsync"/> cheap and free of ids that are not the viewer's business.
/// </summary>
public interface IDashboardSection
{
    /// <summary>The property name in the JSON document (camelCase, unique per host).</summary>
    string Name { get; }

    /// <summary>The section's current data, serialized as JSON (web defaults); null leaves it out.</summary>
    ValueTask<object?> DescribeAsync(CancellationToken cancellationToken);
}

/// <summary>
/// One stat tile of the dashboard (model version, drop stock, …). Every <see cref="IDashboardTile"/>
/// in the container is shown, in registration order, under <c>tiles</c>: a feature adds a tile
/// without touching anyone else's section.
/// </summary>
public interface IDashboardTile
{
    /// <summary>The tile's current value; <see cref="DashboardTile.Value"/> null shows "—".</summary>
    DashboardTile Read();
}

/// <param name="Title">What the value is ("Model version").</param>
/// <param name="Value">The value, formatted for people; null when there is nothing yet.</param>
/// <param name="Note">A line of context under the value ("no model published yet").</param>
public sealed record DashboardTile(string Title, string? Value, string? Note);
