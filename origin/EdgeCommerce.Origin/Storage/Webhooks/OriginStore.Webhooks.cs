using EdgeCommerce.Origin.Storage.Webhooks;

namespace EdgeCommerce.Origin.Storage;

/// <summary>Webhooks: the rules live in <see cref="WebhookSql"/>; writes take the drops' write transaction.</summary>
internal sealed partial class OriginStore : IWebhookStore
{
    public Task<bool> PutWebhookAsync(WebhookRecord webhook, CancellationToken cancellationToken)
        => DropWriteAsync(scope => WebhookSql.PutAsync(scope, webhook, cancellationToken), cancellationToken);

    public async Task<IReadOnlyList<WebhookRecord>> ListWebhooksAsync(string creatorId, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return await WebhookSql.ListAsync(connection, creatorId, cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookRecord>> ListAllWebhooksAsync(CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return await WebhookSql.ListAllAsync(connection, cancellationToken);
    }

    public Task<bool> ReplaceWebhookSecretAsync(string creatorId, string webhookId, string expected, string replacement, CancellationToken cancellationToken)
        => DropWriteAsync(scope => WebhookSql.ReplaceSecretAsync(scope, creatorId, webhookId, expected, replacement, cancellationToken), cancellationToken);

    public Task<bool> DeleteWebhookAsync(string creatorId, string webhookId, CancellationToken cancellationToken)
        => DropWriteAsync(scope => WebhookSql.DeleteAsync(scope, creatorId, webhookId, cancellationToken), cancellationToken);

    public async Task<IReadOnlyList<WebhookDeliveryView>> ListDeliveriesAsync(string creatorId, string webhookId, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await Dialect.OpenConnectionAsync(cancellationToken);
        return await WebhookSql.ListDeliveriesAsync(connection, creatorId, webhookId, limit, cancellationToken);
    }

    public Task AnnounceDueDropsAsync(DateTimeOffset now, CancellationToken cancellationToken)
        => DropWriteAsync(async scope =>
        {
            await WebhookSql.AnnounceDueAsync(scope, now, cancellationToken);
            return true;
        }, cancellationToken);

    public Task<IReadOnlyList<WebhookDelivery>> LeaseDeliveriesAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken)
        => DropWriteAsync(scope => WebhookSql.LeaseAsync(scope, owner, now, leaseUntil, limit, cancellationToken), cancellationToken);

    public Task RecordAttemptAsync(WebhookAttempt attempt, DateTimeOffset now, CancellationToken cancellationToken)
        => DropWriteAsync(async scope =>
        {
            await WebhookSql.RecordAttemptAsync(scope, attempt, now, cancellationToken);
            return true;
        }, cancellationToken);
}
