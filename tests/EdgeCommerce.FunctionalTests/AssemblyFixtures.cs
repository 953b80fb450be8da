using EdgeCommerce.Tests.Common;

// One real PostgreSQL server for the whole assembly; each test takes a database of its own.
[assembly: AssemblyFixture(typeof(PostgresServer))]
