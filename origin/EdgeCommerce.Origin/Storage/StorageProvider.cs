namespace EdgeCommerce.Origin.Storage;

/// <summary>Which database holds the origin's truth (<c>Storage:Provider</c>).</summary>
public enum StorageProvider
{
    /// <summary>One SQLite file under <see cref="StorageOptions.DataDirectory"/>: one origin process.</summary>
    Sqlite,

    /// <summary>A PostgreSQL database at <see cref="StorageOptions.ConnectionString"/>: any number of origin replicas.</summary>
    Postgres,
}
