using System.Security.Cryptography;
using System.Text;
using EdgeCommerce.Origin.Storage;
using EdgeCommerce.Origin.Storage.Dialects.Postgres;
using EdgeCommerce.Tests.Common;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Npgsql;

namespace EdgeCommerce.Origin.Tests.Storage.Postgres;

/// <summary>
/// Two origin processes on one database, each with its own pool and its own signal: "A" writes,
/// "B" only listens. B's sync streams must wake for A's writes.
/// </summary>
public sealed class PostgresRevisionListenerTests(PostgresServer server) : IAsyncLifetime
{
    private readonly FakeLogger<PostgresRevisionListener> _listenerLogger = new();
    private PostgresTestDatabase? _database;
    private OriginStore? _storeA;
    private PostgresRevisionListener? _listenerB;

    private PostgresTestDatabase Database => _database!;

    private OriginStore StoreA => _storeA!;

    public async ValueTask InitializeAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync(server, "listener");
        _storeA = new OriginStore(new PostgresDialect(Database.NewDataSource()), new RevisionSignal(), TimeProvider.System, NullLogger<OriginStore>.Instance);
        await _storeA.InitializeAsync(TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_listenerB is not null)
        {
            await _listenerB.StopAsync(CancellationToken.None);
            _listenerB.Dispose();
        }

        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    [Fact]
    public async Task ExecuteAsync_WriteThroughAnotherProcess_WakesThisProcessSignalAtEachCommit()
    {
        // Arrange
        var signalB = new RevisionSignal();
        await StartListenerBAsync(signalB);
        var first = signalB.WaitForRevisionAboveAsync(0);

        // Act
        await StoreA.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);
        await first.WaitAsync(TestContext.Current.CancellationToken);
        // B is listening now (it published revision 1): the next wake can only come from the notification.
        var second = signalB.WaitForRevisionAboveAsync(1);
        await StoreA.PutCatalogAsync(Write("b", "b1"), TestContext.Current.CancellationToken);
        await second.WaitAsync(TestContext.Current.CancellationToken);

        // Assert
        Assert.Equal(2, signalB.Head);
    }

    [Fact]
    public async Task ExecuteAsync_StartedAfterWrites_PublishesTheCurrentHeadAtOnce()
    {
        // Arrange: writes that no listener could have heard.
        for (var i = 1; i <= 3; i++)
        {
            await StoreA.PutCatalogAsync(Write("a", "a" + i), TestContext.Current.CancellationToken);
        }

        var signalB = new RevisionSignal();
        var caughtUp = signalB.WaitForRevisionAboveAsync(2);

        // Act
        await StartListenerBAsync(signalB);

        // Assert
        await caughtUp.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, signalB.Head);
    }

    [Fact]
    public async Task ExecuteAsync_ConnectionTerminated_ReconnectsCatchesUpAndKeepsListening()
    {
        // Arrange
        var signalB = new RevisionSignal();
        await StartListenerBAsync(signalB);
        var firstBackend = await WaitForBackendAsync(previous: 0);

        // Act: the server kills the listener's connection (a failover, a restart, an idle-kill), and A writes meanwhile.
        await using (var admin = await Database.NewDataSource().OpenConnectionAsync(TestContext.Current.CancellationToken))
        await using (var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(@pid);", admin))
        {
            terminate.Parameters.AddWithValue("pid", firstBackend);
            Assert.True((bool)(await terminate.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
        }

        var caughtUp = signalB.WaitForRevisionAboveAsync(0);
        await StoreA.PutCatalogAsync(Write("a", "a1"), TestContext.Current.CancellationToken);
        await caughtUp.WaitAsync(TestContext.Current.CancellationToken);
        var secondBackend = await WaitForBackendAsync(previous: firstBackend);
        var next = signalB.WaitForRevisionAboveAsync(1);
        await StoreA.PutCatalogAsync(Write("a", "a2"), TestContext.Current.CancellationToken);

        // Assert
        await next.WaitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(2, signalB.Head);
        Assert.NotEqual(firstBackend, secondBackend);
        Assert.Contains(_listenerLogger.Collector.GetSnapshot(), static r => r.Id.Id == 1304);
        Assert.Equal(2, _listenerLogger.Collector.GetSnapshot().Count(static r => r.Id.Id == 1303));
    }

    private async Task StartListenerBAsync(RevisionSignal signalB)
    {
        _listenerB = new PostgresRevisionListener(Database.NewDataSource(), signalB, TimeProvider.System, _listenerLogger);
        await _listenerB.StartAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Waits until the listener is connected on a backend other than <paramref name="previous"/>.</summary>
    private async Task<int> WaitForBackendAsync(int previous)
    {
        while (_listenerB!.ProcessId == 0 || _listenerB.ProcessId == previous)
        {
            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        return _listenerB.ProcessId;
    }

    private static CatalogWrite Write(string creatorId, string document)
        => new(creatorId, document, SHA256.HashData(Encoding.UTF8.GetBytes(document)), 1, null,
            revision => Encoding.UTF8.GetBytes($"{creatorId}@{revision}:{document}"));
}
