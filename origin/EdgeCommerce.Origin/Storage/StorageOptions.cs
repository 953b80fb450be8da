using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Origin.Storage;

/// <summary>Where and how the origin keeps its truth.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>
    /// Directory that holds the SQLite file (<c>origin.db</c>). Relative paths resolve against the
    /// working directory. The default is <c>.edgecommerce/origin</c>.
    /// </summary>
    [Required]
    public string DataDirectory { get; set; } = Path.Combine(".edgecommerce", "origin");

    /// <summary>How long a writer waits for SQLite's lock. The default is 5 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
