using EdgeCommerce.Tests.Common;

// One real PostgreSQL server for the whole assembly (backup and restore of a PostgreSQL origin).
[assembly: AssemblyFixture(typeof(PostgresServer))]
