namespace EdgeCommerce.Origin.Storage.Drops;

/// <summary>
/// The drop tables in one database's types, for <see cref="DropSql.EnsureSchemaAsync"/>: the only
/// drop SQL that differs by database (SQLite's <c>STRICT</c> tables take <c>INTEGER</c>, <c>TEXT</c>
/// and <c>BLOB</c>; PostgreSQL needs <c>bigint</c> for Unix milliseconds and <c>bytea</c>).
/// </summary>
/// <param name="Tables">The whole schema at <see cref="DropSql.SchemaVersion"/>, every statement <c>IF NOT EXISTS</c>.</param>
/// <param name="LeaseHoldsV3">Version 2 to 3 on <c>drop_leases</c>: the held columns, 0 until the lease's edge reports.</param>
/// <param name="SalesV3">Version 2 to 3 on <c>drop_sales</c>: the nullable sale columns (the new tables come from <paramref name="Tables"/>).</param>
internal sealed record DropDdl(string Tables, string LeaseHoldsV3, string SalesV3);
