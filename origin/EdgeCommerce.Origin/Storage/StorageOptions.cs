using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Origin.Storage;

/// <summary>Where and how the origin keeps its truth.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>
    /// The database: <see cref="StorageProvider.Sqlite"/> (embedded, one origin process) or
    /// <see cref="StorageProvider.Postgres"/> (shared by several origin replicas). The default is
    /// <see cref="StorageProvider.Sqlite"/>.
    /// </summary>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>
    /// Directory that holds the SQLite file (<c>origin.db</c>). Relative paths resolve against the
    /// working directory. The default is <c>.edgecommerce/origin</c>.
    /// </summary>
    [Required]
    public string DataDirectory { get; set; } = Path.Combine(".edgecommerce", "origin");

    /// <summary>
    /// Npgsql connection string of the PostgreSQL database, for example
    /// <c>Host=db;Database=edgecommerce;Username=origin;Password=…</c>. Required when
    /// <see cref="Provider"/> is <see cref="StorageProvider.Postgres"/>; ignored otherwise. The default is none.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>How long a writer waits for SQLite's lock. The default is 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
