using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using EdgeCommerce.Contracts;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Origin.Drops.Report;
using EdgeCommerce.Origin.Storage.Drops;
using static EdgeCommerce.Origin.Storage.Drops.DropSql;

namespace EdgeCommerce.Origin.Storage.Webhooks;

/// <summary>
/// Webhook endpoints and the outbox, written once over ADO.NET for both stores like the drops
/// (<see cref="DropSql"/>). An event's outbox rows are written by <see cref="EnqueueAsync"/> inside
/// the transaction of the write that makes the event (the sale, the cancel), so an event is stored
/// exactly when its cause commits: nothing is lost when the origin dies right after.
/// </summary>
internal static class WebhookSql
{
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static async Task<bool> PutAsync(DropWriteScope scope, WebhookRecord webhook, CancellationToken cancellationToken)
    {
        var existed = await ScalarAsync(scope.Connection, scope.Transaction, "SELECT 1 FROM webhooks WHERE creator_id = @creator AND webhook_id = @id;",
            cancellationToken, ("creator", webhook.CreatorId), ("id", webhook.WebhookId)) is not null;
        await ExecuteAsync(scope.Connection, scope.Transaction, """
            INSERT INTO webhooks (creator_id, webhook_id, url, events, secret, created_at_ms) VALUES (@creator, @id, @url, @events, @secret, @at)
            ON CONFLICT (creator_id, webhook_id) DO UPDATE SET url = excluded.url, events = excluded.events, secret = excluded.secret;
            """, cancellationToken,
            ("creator", webhook.CreatorId), ("id", webhook.WebhookId), ("url", webhook.Url), ("events", string.Join(',', webhook.Events)),
            ("secret", webhook.Secret), ("at", webhook.CreatedAt.ToUnixTimeMilliseconds()));
        return !existed;
    }

    public static async Task<IReadOnlyList<WebhookRecord>> ListAsync(DbConnection connection, string creatorId, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, null,
            "SELECT webhook_id, url, events, secret, created_at_ms FROM webhooks WHERE creator_id = @creator ORDER BY webhook_id;", ("creator", creatorId));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var webhooks = new List<WebhookRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            webhooks.Add(new WebhookRecord(creatorId, reader.GetString(0), reader.GetString(1), reader.GetString(2).Split(','), reader.GetString(3),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        }

        return webhooks;
    }

    /// <summary>Every creator's endpoints with their secrets as stored (the start seals the clear ones).</summary>
    public static async Task<IReadOnlyList<WebhookRecord>> ListAllAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, null,
            "SELECT creator_id, webhook_id, url, events, secret, created_at_ms FROM webhooks ORDER BY creator_id, webhook_id;");
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var webhooks = new List<WebhookRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            webhooks.Add(new WebhookRecord(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3).Split(','), reader.GetString(4),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
        }

        return webhooks;
    }

    /// <summary>
    /// Sets an endpoint's stored secret only while it still is <paramref name="expected"/>: a PUT
    /// through another replica in between wins over the start's sealing of the old value.
    /// </summary>
    public static async Task<bool> ReplaceSecretAsync(DropWriteScope scope, string creatorId, string webhookId, string expected, string replacement, CancellationToken cancellationToken)
    {
        await using var update = Command(scope.Connection, scope.Transaction,
            "UPDATE webhooks SET secret = @replacement WHERE creator_id = @creator AND webhook_id = @id AND secret = @expected;",
            ("replacement", replacement), ("creator", creatorId), ("id", webhookId), ("expected", expected));
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public static async Task<bool> DeleteAsync(DropWriteScope scope, string creatorId, string webhookId, CancellationToken cancellationToken)
    {
        var existed = await ScalarAsync(scope.Connection, scope.Transaction, "SELECT 1 FROM webhooks WHERE creator_id = @creator AND webhook_id = @id;",
            cancellationToken, ("creator", creatorId), ("id", webhookId)) is not null;
        await ExecuteAsync(scope.Connection, scope.Transaction, """
            DELETE FROM webhook_outbox WHERE creator_id = @creator AND webhook_id = @id;
            DELETE FROM webhooks WHERE creator_id = @creator AND webhook_id = @id;
            """, cancellationToken, ("creator", creatorId), ("id", webhookId));
        return existed;
    }

    public static async Task<IReadOnlyList<WebhookDeliveryView>> ListDeliveriesAsync(DbConnection connection, string creatorId, string webhookId, int limit, CancellationToken cancellationToken)
    {
        await using var select = Command(connection, null, """
            SELECT event_id, event_type, drop_id, attempts, created_at_ms, next_attempt_at_ms, delivered_at_ms, dead_at_ms, last_error
            FROM webhook_outbox WHERE creator_id = @creator AND webhook_id = @id ORDER BY seq DESC LIMIT @limit;
            """, ("creator", creatorId), ("id", webhookId), ("limit", (long)limit));
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var deliveries = new List<WebhookDeliveryView>();
        while (await reader.ReadAsync(cancellationToken))
        {
            DateTimeOffset? delivered = reader.IsDBNull(6) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6));
            DateTimeOffset? dead = reader.IsDBNull(7) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7));
            deliveries.Add(new WebhookDeliveryView(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                delivered is not null ? "delivered" : dead is not null ? "dead" : "pending",
                checked((int)reader.GetInt64(3)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                delivered is null && dead is null ? DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)) : null,
                delivered, dead, reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return deliveries;
    }

    /// <summary>
    /// Writes one outbox row per endpoint of <paramref name="creatorId"/> subscribed to
    /// <paramref name="type"/>, in the caller's transaction (under the store's write lock, which
    /// also makes the sequence numbers, the per-drop order, contiguous). Endpoints registered after
    /// <paramref name="happenedAt"/> do not receive it.
    /// </summary>
    public static async Task EnqueueAsync(DbConnection connection, DbTransaction transaction, string creatorId, string dropId, string type, object data,
        DateTimeOffset happenedAt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var endpoints = new List<string>();
        await using (var select = Command(connection, transaction,
            "SELECT webhook_id, events FROM webhooks WHERE creator_id = @creator AND created_at_ms <= @at ORDER BY webhook_id;",
            ("creator", creatorId), ("at", happenedAt.ToUnixTimeMilliseconds())))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                if (reader.GetString(1).Split(',').Contains(type, StringComparer.Ordinal))
                {
                    endpoints.Add(reader.GetString(0));
                }
            }
        }

        if (endpoints.Count == 0)
        {
            return;
        }

        // The Standard Webhooks payload shape: type, timestamp, data. One id per event (the same for
        // every endpoint and every retry), for receivers to de-duplicate.
        var eventId = "msg_" + Guid.NewGuid().ToString("N");
        var payload = JsonSerializer.Serialize(new { type, timestamp = happenedAt, data }, s_json);
        var seq = Convert.ToInt64(await ScalarAsync(connection, transaction, "SELECT COALESCE(MAX(seq), 0) FROM webhook_outbox;", cancellationToken), CultureInfo.InvariantCulture);
        foreach (var webhookId in endpoints)
        {
            seq++;
            await ExecuteAsync(connection, transaction, """
                INSERT INTO webhook_outbox (seq, event_id, creator_id, webhook_id, drop_id, event_type, payload, created_at_ms, attempts, next_attempt_at_ms, lease_until_ms)
                VALUES (@seq, @event, @creator, @webhook, @drop, @type, @payload, @at, 0, @at, 0);
                """, cancellationToken,
                ("seq", seq), ("event", eventId), ("creator", creatorId), ("webhook", webhookId), ("drop", dropId), ("type", type), ("payload", payload),
                ("at", now.ToUnixTimeMilliseconds()));
        }
    }

    /// <summary>The <c>drop.closed</c> event's data: why, and the report's headline figures (the thank-you loop's input).</summary>
    public static async Task<object> ClosedDataAsync(DbConnection connection, DbTransaction transaction, string dropId, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var facts = await ReadReportFactsAsync(connection, transaction, dropId, now, cancellationToken);
        var report = DropReportBuilder.Build(facts!, now);
        return new
        {
            dropId,
            creatorId = report.CreatorId,
            reason,
            headline = new
            {
                paid = report.Funnel.Paid,
                rsvps = report.Funnel.Rsvps,
                rsvpToPaid = report.Conversion.RsvpToPaid,
                soldOutAfterSeconds = report.SoldOutAfterSeconds,
                units = report.Totals.Units,
                revenueMinor = report.Totals.RevenueMinor,
                marginMinor = report.Totals.MarginMinor,
                currency = report.Totals.Currency,
                exceptionsPer1000Orders = report.ExceptionsPer1000Orders,
                buyers = report.Repeat.Buyers,
                repeatBuyers = report.Repeat.RepeatBuyers,
            },
        };
    }

    /// <summary>Enqueues <c>drop.opened</c> when sales have opened at <paramref name="now"/> and it was not announced yet.</summary>
    public static async Task EnsureOpenedAsync(DbConnection connection, DbTransaction transaction, DropState definition, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var opensAt = DropPhases.EarlyAccessFrom(definition);
        if (now >= opensAt && await AnnounceOnceAsync(connection, transaction, definition.DropId, WebhookEvents.DropOpened, cancellationToken))
        {
            await EnqueueAsync(connection, transaction, definition.CreatorId, definition.DropId, WebhookEvents.DropOpened, OpenedData(definition), opensAt, now, cancellationToken);
        }
    }

    /// <summary>The <c>drop.opened</c> event's data.</summary>
    public static object OpenedData(DropState definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new
        {
            dropId = definition.DropId,
            creatorId = definition.CreatorId,
            title = definition.Title,
            opensAt = DropPhases.EarlyAccessFrom(definition),
            startsAt = DropPhases.StartsAt(definition),
            endsAt = DropPhases.EndsAt(definition),
        };
    }

    /// <summary>Marks an event of a drop as announced; false when it was before (so it is enqueued once, ever).</summary>
    public static async Task<bool> AnnounceOnceAsync(DbConnection connection, DbTransaction transaction, string dropId, string type, CancellationToken cancellationToken)
    {
        if (await ScalarAsync(connection, transaction, "SELECT 1 FROM webhook_announcements WHERE drop_id = @drop AND event_type = @type;",
            cancellationToken, ("drop", dropId), ("type", type)) is not null)
        {
            return false;
        }

        await ExecuteAsync(connection, transaction, "INSERT INTO webhook_announcements (drop_id, event_type) VALUES (@drop, @type);",
            cancellationToken, ("drop", dropId), ("type", type));
        return true;
    }

    /// <summary>
    /// <c>drop.opened</c> (sales open: early access included) and <c>drop.closed</c> (at <c>endsAt</c>)
    /// happen by time, not by a write: found here for drops of creators with endpoints, each once.
    /// </summary>
    public static async Task AnnounceDueAsync(DropWriteScope scope, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = new List<(string DropId, string CreatorId, DropState Definition, bool Cancelled)>();
        await using (var select = Command(scope.Connection, scope.Transaction, """
            SELECT d.drop_id, d.creator_id, d.definition, d.cancelled FROM drops d
            WHERE d.creator_id IN (SELECT creator_id FROM webhooks) AND d.cancelled = 0
              AND NOT EXISTS (SELECT 1 FROM webhook_announcements a WHERE a.drop_id = d.drop_id AND a.event_type = 'drop.closed');
            """))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add((reader.GetString(0), reader.GetString(1), DropState.Parser.ParseFrom(reader.GetFieldValue<byte[]>(2)), reader.GetInt64(3) != 0));
            }
        }

        foreach (var (dropId, creatorId, definition, cancelled) in due)
        {
            var endsAt = DropPhases.EndsAt(definition);
            if (!cancelled)
            {
                await EnsureOpenedAsync(scope.Connection, scope.Transaction, definition, now, cancellationToken);
            }

            if (!cancelled && now >= endsAt && await AnnounceOnceAsync(scope.Connection, scope.Transaction, dropId, WebhookEvents.DropClosed, cancellationToken))
            {
                await EnqueueAsync(scope.Connection, scope.Transaction, creatorId, dropId, WebhookEvents.DropClosed,
                    await ClosedDataAsync(scope.Connection, scope.Transaction, dropId, "ended", now, cancellationToken), endsAt, now, cancellationToken);
            }
        }
    }

    public static async Task<IReadOnlyList<WebhookDelivery>> LeaseAsync(DropWriteScope scope, string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken)
    {
        var leased = new List<WebhookDelivery>();
        await using (var select = Command(scope.Connection, scope.Transaction, """
            SELECT o.event_id, o.creator_id, o.webhook_id, o.drop_id, o.event_type, o.payload, o.attempts, o.created_at_ms, w.url, w.secret
            FROM webhook_outbox o JOIN webhooks w ON w.creator_id = o.creator_id AND w.webhook_id = o.webhook_id
            WHERE o.delivered_at_ms IS NULL AND o.dead_at_ms IS NULL AND o.next_attempt_at_ms <= @now AND o.lease_until_ms <= @now
              AND NOT EXISTS (SELECT 1 FROM webhook_outbox p
                              WHERE p.creator_id = o.creator_id AND p.webhook_id = o.webhook_id AND p.drop_id = o.drop_id AND p.seq < o.seq
                                AND p.delivered_at_ms IS NULL AND p.dead_at_ms IS NULL)
            ORDER BY o.seq LIMIT @limit;
            """, ("now", now.ToUnixTimeMilliseconds()), ("limit", (long)limit)))
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                leased.Add(new WebhookDelivery(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                    reader.GetString(5), checked((int)reader.GetInt64(6)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)), reader.GetString(8), reader.GetString(9)));
            }
        }

        foreach (var row in leased)
        {
            await ExecuteAsync(scope.Connection, scope.Transaction,
                "UPDATE webhook_outbox SET lease_owner = @owner, lease_until_ms = @until WHERE event_id = @event AND creator_id = @creator AND webhook_id = @webhook;",
                cancellationToken, ("owner", owner), ("until", leaseUntil.ToUnixTimeMilliseconds()), ("event", row.EventId), ("creator", row.CreatorId), ("webhook", row.WebhookId));
        }

        return leased;
    }

    /// <summary>
    /// Records an attempt and frees the row's lease (<c>lease_until_ms</c> 0). <c>lease_owner</c> is
    /// kept: on a delivered row it names the replica that sent it (what an operator, and the
    /// two-replica test, look at).
    /// </summary>
    public static async Task RecordAttemptAsync(DropWriteScope scope, WebhookAttempt attempt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var at = now.ToUnixTimeMilliseconds();
        await ExecuteAsync(scope.Connection, scope.Transaction, """
            UPDATE webhook_outbox SET attempts = attempts + 1, lease_until_ms = 0,
                delivered_at_ms = @delivered, dead_at_ms = @dead, next_attempt_at_ms = @next, last_error = @error
            WHERE event_id = @event AND creator_id = @creator AND webhook_id = @webhook AND delivered_at_ms IS NULL AND dead_at_ms IS NULL;
            """, cancellationToken,
            ("delivered", attempt.Delivered ? (object)at : DBNull.Value), ("dead", attempt.Dead ? (object)at : DBNull.Value),
            ("next", attempt.NextAttemptAt?.ToUnixTimeMilliseconds() ?? at), ("error", (object?)attempt.Error ?? DBNull.Value),
            ("event", attempt.EventId), ("creator", attempt.CreatorId), ("webhook", attempt.WebhookId));
    }
}
