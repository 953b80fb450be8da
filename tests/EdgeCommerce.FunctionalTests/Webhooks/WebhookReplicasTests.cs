using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Tests.Common;
using Microsoft.AspNetCore.Http;
using Npgsql;
using StandardWebhooks;

namespace EdgeCommerce.FunctionalTests.Webhooks;

/// <summary>
/// Two origin processes on one PostgreSQL database, both dispatching the one outbox, and a real
/// HTTP receiver on loopback: every event arrives once, signed, sent by exactly one replica; and the
/// endpoint's secret is sealed in PostgreSQL's column (a clear one from before sealing is sealed by
/// the replica that starts next).
/// </summary>
public sealed class WebhookReplicasTests(PostgresServer server)
{
    private const string Creator = "replica-hooks";
    private const string Sku = "replica-hook-tee";
    private const int Drops = 50;

    /// <summary>
    /// 50 drops open at the same second, so 50 outbox rows are due at once and both replicas (each
    /// polling every 100 ms, leasing at most 4 rows a round) take them in turns. What it catches:
    /// a lease two replicas can both take (an event sent twice, counted per <c>webhook-id</c> at the
    /// receiver; each outbox row names the one replica that sent it), an announcement enqueued by both replicas (two ids
    /// for one drop), and a row no replica sends (an event missing).
    /// </summary>
    [Fact]
    public async Task Outbox_TwoReplicasDispatching_EachEventSentOnceByOneReplica()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        var received = new ConcurrentQueue<(string Id, string Timestamp, string Signature, string Body)>();
        await using var receiver = new LoopbackHttpServer(async context =>
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync(cancellationToken);
            received.Enqueue((context.Request.Headers["webhook-id"] ?? "", context.Request.Headers["webhook-timestamp"] ?? "", context.Request.Headers["webhook-signature"] ?? "", body));
            context.Response.StatusCode = 204;
            context.Response.Close();
        });
        using var data = new TempDirectory();
        var database = await server.CreateDatabaseAsync("webhook_replicas", cancellationToken);
        string[] settings =
        [
            "--Storage:Provider=Postgres", $"--Storage:ConnectionString={database}", "--Keys:Issuer=https://origin.edgecommerce.test", $"--Keys:EncryptionKeyPath={data.Combine("kek")}",
            "--Webhooks:PollInterval=00:00:00.100", "--Webhooks:BatchSize=4", "--Webhooks:LeaseDuration=00:00:30",
        ];
        await using var origin1 = await OriginNode.StartAsync(data.Combine("origin1"), cancellationToken, settings);
        await origin1.PushSkusAsync(Creator, cancellationToken, Sku);
        using var put = await origin1.Http.PutAsync($"/admin/v1/creators/{Creator}/webhooks/hook-1", Json(new { url = receiver.Origin + "/hooks", events = new[] { "drop.opened" } }), cancellationToken);
        Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync(cancellationToken));
        var secret = (await put.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("secret").GetString()!;
        // A store from before sealing: an endpoint whose secret is in the column as is.
        var legacySecret = "whsec_" + Convert.ToBase64String(Encoding.ASCII.GetBytes("legacy-secret-of-32-bytes-length"));
        await ExecuteAsync(database, "INSERT INTO webhooks (creator_id, webhook_id, url, events, secret, created_at_ms) VALUES (@creator, 'hook-legacy', 'https://hooks.example.com/legacy', 'sale.cancelled', @secret, 0);",
            cancellationToken, ("creator", Creator), ("secret", legacySecret));
        await using var origin2 = await OriginNode.StartAsync(data.Combine("origin2"), cancellationToken, settings);
        var secrets = await SecretColumnAsync(database, cancellationToken);

        // Act: 50 drops, all opening at the same second, announced and sent while both replicas run.
        var startsAt = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 5);
        for (var i = 0; i < Drops; i++)
        {
            using var drop = await (i % 2 == 0 ? origin1 : origin2).Http.PutAsync($"/admin/v1/creators/{Creator}/drops/drop-{i:D2}", Json(new
            {
                title = $"Drop {i}",
                startsAt = startsAt.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                endsAt = startsAt.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                perViewerLimit = 1,
                allocations = new[] { new { skuId = Sku, units = 1 } },
            }), cancellationToken);
            Assert.True(drop.IsSuccessStatusCode, await drop.Content.ReadAsStringAsync(cancellationToken));
        }

        var elapsed = Stopwatch.StartNew();
        while (received.Count < Drops && elapsed.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100, cancellationToken);
        }

        // Any second send would come within a few polls (a lease taken twice is sent at once).
        await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
        var deliveries = await origin2.Http.GetFromJsonAsync<JsonElement>($"/admin/v1/creators/{Creator}/webhooks/hook-1/deliveries", cancellationToken);

        // Assert: the secrets are sealed at rest in PostgreSQL, the legacy one by origin 2's start.
        Assert.All(secrets, static row => Assert.StartsWith("sealed:", row.Secret, StringComparison.Ordinal));
        Assert.DoesNotContain(secrets, row => row.Secret.Contains(secret["whsec_".Length..], StringComparison.Ordinal) || row.Secret.Contains(legacySecret["whsec_".Length..], StringComparison.Ordinal));
        Assert.Equal(["hook-1", "hook-legacy"], secrets.Select(static row => row.WebhookId));
        // Every drop's opening arrived once, signed (the StandardWebhooks library verifies each request).
        var all = received.ToList();
        var verifier = new StandardWebhook(secret);
        foreach (var request in all)
        {
            verifier.Verify(request.Body, new HeaderDictionary { ["webhook-id"] = request.Id, ["webhook-timestamp"] = request.Timestamp, ["webhook-signature"] = request.Signature });
        }

        Assert.Equal(Drops, all.Count);
        Assert.Equal(Drops, all.Select(static r => r.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(Enumerable.Range(0, Drops).Select(static i => $"drop-{i:D2}"),
            all.Select(static r => JsonDocument.Parse(r.Body).RootElement.GetProperty("data").GetProperty("dropId").GetString()).Order(StringComparer.Ordinal));
        Assert.All(deliveries.GetProperty("deliveries").EnumerateArray(), static d => Assert.Equal(("delivered", 1), (d.GetProperty("state").GetString(), d.GetProperty("attempts").GetInt32())));
        // One outbox row per event, each sent by the replica that leased it; both replicas took part
        // (else the run proved nothing about leases).
        var senders = await SendersAsync(database, cancellationToken);
        Assert.Equal(all.Select(static r => r.Id).Order(StringComparer.Ordinal), senders.Select(static s => s.EventId).Order(StringComparer.Ordinal));
        var byReplica = senders.GroupBy(static s => s.Owner.Split('/')[1]).ToDictionary(static g => g.Key, static g => g.Count());
        Assert.True(byReplica.Count == 2 && byReplica.Keys.All(pid => pid == origin1.ProcessId.ToString(CultureInfo.InvariantCulture) || pid == origin2.ProcessId.ToString(CultureInfo.InvariantCulture)),
            $"Both replicas must have sent deliveries: {string.Join(", ", byReplica.Select(static p => $"pid {p.Key}: {p.Value}"))}");
    }

    private static async Task<List<(string EventId, string Owner)>> SendersAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(cancellationToken);
        await using var select = new NpgsqlCommand("SELECT event_id, lease_owner FROM webhook_outbox WHERE delivered_at_ms IS NOT NULL;", connection);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    private static StringContent Json(object value) => new(JsonSerializer.Serialize(value), Encoding.UTF8, "application/json");

    private static async Task<List<(string WebhookId, string Secret)>> SecretColumnAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(cancellationToken);
        await using var select = new NpgsqlCommand("SELECT webhook_id, secret FROM webhooks ORDER BY webhook_id;", connection);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    private static async Task ExecuteAsync(string database, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
