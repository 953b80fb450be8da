using EdgeCommerce.Origin.Keys;
using EdgeCommerce.Origin.Storage.Webhooks;

namespace EdgeCommerce.Origin.Webhooks;

/// <summary>
/// At start, before any delivery: seals the webhook secrets the store holds in clear (a store from
/// before sealing) or under the previous key-encryption key (a KEK rotation). It runs after
/// <see cref="KeyMaintenance"/> opened the KEK (hosted services start in order, and the signing keys
/// are added first). A secret sealed under a KEK this origin does not hold stops the start like a
/// signing key's would, rather than leaving every delivery of that endpoint to fail.
/// </summary>
internal sealed class WebhookSecretMaintenance(
    IWebhookStore store,
    WebhookSecretSealer secrets,
    SigningKeySealer sealer,
    ILogger<WebhookSecretMaintenance> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var webhooks = await store.ListAllWebhooksAsync(cancellationToken);
        if (webhooks.FirstOrDefault(webhook => !secrets.CanOpen(webhook.Secret)) is { } stranded)
        {
            throw sealer.Failure($"The secret of creator {stranded.CreatorId}'s webhook {stranded.WebhookId} is sealed with key-encryption key {WebhookSecretSealer.SealedWith(stranded.Secret)}, "
                + $"which this origin does not hold (it holds {sealer.KeyEncryptionKeyId}).");
        }

        var sealedCount = 0;
        foreach (var webhook in webhooks.Where(webhook => !secrets.IsCurrent(webhook.Secret)))
        {
            string secret;
            try
            {
                secret = secrets.Open(webhook.CreatorId, webhook.WebhookId, webhook.Secret);
            }
            catch (KeyEncryptionException ex)
            {
                // An altered or moved row under a KEK this origin holds: its deliveries fail (never
                // signed with another endpoint's secret) until the creator puts a new secret.
                WebhooksLog.SecretDoesNotOpen(logger, webhook.CreatorId, webhook.WebhookId, ex.Message);
                continue;
            }

            if (await store.ReplaceWebhookSecretAsync(webhook.CreatorId, webhook.WebhookId, webhook.Secret, secrets.Seal(webhook.CreatorId, webhook.WebhookId, secret), cancellationToken))
            {
                sealedCount++;
            }
        }

        if (sealedCount > 0)
        {
            WebhooksLog.SecretsSealed(logger, sealedCount, sealer.KeyEncryptionKeyId);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
