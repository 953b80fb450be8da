using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.Origin.Storage.Webhooks;
using EdgeCommerce.Origin.Tests.Infrastructure;
using EdgeCommerce.Origin.Webhooks;
using EdgeCommerce.Tests.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Origin.Tests.Webhooks;

/// <summary>
/// Webhook secrets sealed at rest under the key-encryption key, bound to their (creator, id), over
/// the in-memory origin host started (and restarted) on one data directory, reading the raw column
/// from the SQLite file. (PostgreSQL's raw column is read in the two-replica process test.)
/// </summary>
public sealed class WebhookSecretSealingTests : IDisposable
{
    private const string Creator = "seal-creator";

    private readonly TempDirectory _root = new("edgecommerce-webhook-secrets");

    public void Dispose() => _root.Dispose();

    private static CancellationToken CancellationToken => TestContext.Current.CancellationToken;

    private string DataDirectory => _root.Combine("origin");

    private string DatabasePath => Path.Combine(DataDirectory, "origin.db");

    [Fact]
    public async Task Put_Secret_StoredSealed_NeitherTheSecretNorItsKeyInTheDatabaseFiles()
    {
        // Arrange
        var key = RandomNumberGenerator.GetBytes(32);
        var secret = WebhookSignature.SecretPrefix + Convert.ToBase64String(key);
        await using var origin = Origin();

        // Act
        await PutAsync(origin, "hook-1", secret);
        var stored = Assert.Single(await SecretColumnAsync());
        var opened = origin.Services.GetRequiredService<WebhookSecretSealer>().Open(Creator, "hook-1", stored.Secret);

        // Assert: the column holds the sealed form only; the origin still opens it to the very secret.
        Assert.StartsWith(WebhookSecretSealer.SealedPrefix, stored.Secret, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(key), stored.Secret, StringComparison.Ordinal);
        Assert.Equal(secret, opened);
        foreach (var file in Directory.EnumerateFiles(DataDirectory, "origin.db*"))
        {
            var bytes = await File.ReadAllBytesAsync(file, CancellationToken);
            Assert.Equal(-1, bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Convert.ToBase64String(key))));
            Assert.Equal(-1, bytes.AsSpan().IndexOf(key));
        }
    }

    [Fact]
    public async Task Open_SealedSecretMovedToAnotherWebhooksRow_DoesNotOpen()
    {
        // Arrange: two endpoints; the first one's sealed secret copied over the second's.
        await using (var first = Origin())
        {
            await PutAsync(first, "hook-a", NewSecret());
            await PutAsync(first, "hook-b", NewSecret());
        }

        var rows = await SecretColumnAsync();
        await ExecuteAsync("UPDATE webhooks SET secret = $secret WHERE webhook_id = 'hook-b';", ("$secret", rows.Single(static r => r.WebhookId == "hook-a").Secret));

        // Act: the origin still starts (the row names its KEK), but the moved secret does not open.
        await using var second = Origin();
        _ = second.Server;
        var secrets = second.Services.GetRequiredService<WebhookSecretSealer>();
        var stored = (await second.Services.GetRequiredService<IWebhookStore>().ListWebhooksAsync(Creator, CancellationToken)).ToDictionary(static w => w.WebhookId, static w => w.Secret);

        // Assert
        _ = secrets.Open(Creator, "hook-a", stored["hook-a"]);
        var failure = Assert.Throws<KeyEncryptionException>(() => secrets.Open(Creator, "hook-b", stored["hook-b"]));
        Assert.Contains("hook-b", failure.Message, StringComparison.Ordinal);
        Assert.Throws<KeyEncryptionException>(() => secrets.Open("other-creator", "hook-a", stored["hook-a"]));
    }

    [Fact]
    public async Task Start_StoreWithClearSecrets_SealsThemToTheSameSecret()
    {
        // Arrange: a store from before sealing: the column holds the whsec_ secret itself.
        var secret = NewSecret();
        await using (var first = Origin())
        {
            await PutAsync(first, "hook-1", NewSecret());
        }

        await ExecuteAsync("UPDATE webhooks SET secret = $secret WHERE webhook_id = 'hook-1';", ("$secret", secret));

        // Act
        await using var second = Origin();
        _ = second.Server;
        var stored = Assert.Single(await SecretColumnAsync()).Secret;

        // Assert
        Assert.StartsWith(WebhookSecretSealer.SealedPrefix, stored, StringComparison.Ordinal);
        Assert.Equal(secret, second.Services.GetRequiredService<WebhookSecretSealer>().Open(Creator, "hook-1", stored));
    }

    [Fact]
    public async Task Start_SecretSealedUnderAnotherOriginsKeyEncryptionKey_FailsNamingTheSetting()
    {
        // Arrange: a webhook row copied from another origin's database (sealed under its KEK), into a
        // store whose signing keys are sealed under this origin's own.
        var otherDirectory = _root.Combine("other");
        await using (var other = Origin(otherDirectory))
        {
            await PutAsync(other, "hook-1", NewSecret());
        }

        await using (var first = Origin())
        {
            await PutAsync(first, "hook-1", NewSecret());
        }

        var foreign = Assert.Single(await SecretColumnAsync(Path.Combine(otherDirectory, "origin.db"))).Secret;
        await ExecuteAsync("UPDATE webhooks SET secret = $secret WHERE webhook_id = 'hook-1';", ("$secret", foreign));

        // Act + Assert: the start fails, saying which setting and which webhook.
        var said = await OriginStartFailure.KeyEncryptionFailedAsync(Origin());
        Assert.Contains("Keys:EncryptionKeyPath", said, StringComparison.Ordinal);
        Assert.Contains("hook-1", said, StringComparison.Ordinal);
    }

    private static string NewSecret() => WebhookSignature.NewSecret();

    private OriginApiFixture Origin(string? dataDirectory = null)
        => new(new Dictionary<string, string?> { ["Storage:DataDirectory"] = dataDirectory ?? DataDirectory });

    private static async Task PutAsync(OriginApiFixture origin, string webhookId, string secret)
    {
        using var client = origin.CreateClient();
        using var put = await client.PutAsJsonAsync($"/admin/v1/creators/{Creator}/webhooks/{webhookId}",
            new { url = "https://hooks.example.com/" + webhookId, events = new[] { "sale.confirmed" }, secret }, CancellationToken);
        Assert.True(put.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await put.Content.ReadAsStringAsync(CancellationToken));
        Assert.False((await put.Content.ReadFromJsonAsync<JsonElement>(CancellationToken)).TryGetProperty("secret", out var shown) && shown.ValueKind != JsonValueKind.Null);
    }

    private async Task<List<(string WebhookId, string Secret)>> SecretColumnAsync(string? databasePath = null)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath ?? DatabasePath};Pooling=False");
        await connection.OpenAsync(CancellationToken);
        await using var select = connection.CreateCommand();
        select.CommandText = "SELECT webhook_id, secret FROM webhooks ORDER BY webhook_id;";
        await using var reader = await select.ExecuteReaderAsync(CancellationToken);
        var rows = new List<(string, string)>();
        while (await reader.ReadAsync(CancellationToken))
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    private async Task ExecuteAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync(CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        await command.ExecuteNonQueryAsync(CancellationToken);
    }
}
