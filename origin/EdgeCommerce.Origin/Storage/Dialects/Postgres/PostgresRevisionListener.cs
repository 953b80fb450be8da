using System.Globalization;
using Npgsql;

namespace EdgeCommerce.Origin.Storage.Dialects.Postgres;

/// <summary>
/// Wakes this replica's sync streams when another replica commits: one dedicated connection
/// <c>LISTEN</c>s on <see cref="PostgresDialect.RevisionChannel"/> (every write transaction
/// notifies it, delivered at commit) and publishes each revision on <see cref="RevisionSignal"/>.
/// On every (re)connect it publishes the current head, so whatever committed while it was away
/// is caught up at once; if the connection drops it reconnects with exponential backoff. A missed
/// notification only delays a stream until its next heartbeat, when it re-reads the log anyway.
/// </summary>
internal sealed class PostgresRevisionListener(
    NpgsqlDataSource dataSource,
    RevisionSignal signal,
    TimeProvider timeProvider,
    ILogger<PostgresRevisionListener> logger) : BackgroundService
{
    /// <summary>First reconnect delay; doubles up to <see cref="MaxBackoff"/>.</summary>
    internal static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(100);

    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A connection silent this long is checked with a head read, which both proves it alive
    /// (a dead socket would otherwise wait for TCP to notice) and catches up on anything missed.
    /// </summary>
    internal static readonly TimeSpan IdleCheckInterval = TimeSpan.FromSeconds(30);

    private int _processId;
    private int _failures;

    /// <summary>The backend process id of the listening connection; 0 while disconnected. For tests and diagnostics.</summary>
    internal int ProcessId => Volatile.Read(ref _processId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                Volatile.Write(ref _processId, 0);
                var delay = Backoff(_failures++);
                StorageLog.RevisionListenerDisconnected(logger, delay, ex);
                try
                {
                    await Task.Delay(delay, timeProvider, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        Volatile.Write(ref _processId, 0);
    }

    /// <summary>Listens until the connection fails or the host stops; only ever ends by throwing.</summary>
    private async Task ListenAsync(CancellationToken stoppingToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
        connection.Notification += OnNotification;
        await using (var listen = new NpgsqlCommand($"LISTEN {PostgresDialect.RevisionChannel};", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        // LISTEN first, then read the head: a commit between the two is seen by one or the other.
        var head = await OriginStore.ReadHeadAsync(connection, null, stoppingToken);
        signal.Publish(head);
        Volatile.Write(ref _processId, connection.ProcessID);
        _failures = 0;
        StorageLog.RevisionListenerConnected(logger, head);

        while (true)
        {
            if (!await connection.WaitAsync(IdleCheckInterval, stoppingToken))
            {
                signal.Publish(await OriginStore.ReadHeadAsync(connection, null, stoppingToken));
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (long.TryParse(e.Payload, NumberStyles.None, CultureInfo.InvariantCulture, out var revision))
        {
            signal.Publish(revision);
        }
        else
        {
            StorageLog.BadRevisionNotification(logger, e.Payload);
        }
    }

    private static TimeSpan Backoff(int failures)
        => TimeSpan.FromMilliseconds(Math.Min(MaxBackoff.TotalMilliseconds, InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 16))));
}
