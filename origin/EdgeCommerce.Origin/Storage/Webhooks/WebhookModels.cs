namespace EdgeCommerce.Origin.Storage.Webhooks;

/// <summary>The events a creator's endpoint may subscribe to.</summary>
internal static class WebhookEvents
{
    public const string DropOpened = "drop.opened";
    public const string DropSoldOut = "drop.sold_out";
    public const string DropClosed = "drop.closed";
    public const string SaleConfirmed = "sale.confirmed";
    public const string SaleCancelled = "sale.cancelled";

    public static readonly IReadOnlyList<string> All = [DropOpened, DropSoldOut, DropClosed, SaleConfirmed, SaleCancelled];
}

/// <summary>
/// A creator's endpoint. <paramref name="Secret"/> is the signing secret as stored: sealed by the
/// origin (<c>sealed:…</c>) above the store, or a clear <c>whsec_…</c> one from before sealing.
/// </summary>
internal sealed record WebhookRecord(string CreatorId, string WebhookId, string Url, IReadOnlyList<string> Events, string Secret, DateTimeOffset CreatedAt);

/// <summary>One outbox row leased for delivery by this process.</summary>
internal sealed record WebhookDelivery(string EventId, string CreatorId, string WebhookId, string DropId, string EventType, string Payload,
    int Attempts, DateTimeOffset CreatedAt, string Url, string Secret);

/// <summary>A delivery as the deliveries endpoint shows it.</summary>
internal sealed record WebhookDeliveryView(string EventId, string Type, string DropId, string State, int Attempts,
    DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt, DateTimeOffset? DeadAt, string? LastError);

/// <summary>The outcome of one delivery attempt, to record.</summary>
/// <param name="NextAttemptAt">When to try again; null when delivered or dead-lettered.</param>
internal sealed record WebhookAttempt(string EventId, string CreatorId, string WebhookId, bool Delivered, DateTimeOffset? NextAttemptAt, bool Dead, string? Error);

/// <summary>Webhooks of creators and their durable outbox, kept by the origin store (same database, same write lock as drops).</summary>
internal interface IWebhookStore
{
    /// <summary>Creates or replaces an endpoint; true when it was created.</summary>
    Task<bool> PutWebhookAsync(WebhookRecord webhook, CancellationToken cancellationToken);

    Task<IReadOnlyList<WebhookRecord>> ListWebhooksAsync(string creatorId, CancellationToken cancellationToken);

    /// <summary>Every creator's endpoints (the start seals clear secrets with it).</summary>
    Task<IReadOnlyList<WebhookRecord>> ListAllWebhooksAsync(CancellationToken cancellationToken);

    /// <summary>Replaces an endpoint's stored secret while it still is <paramref name="expected"/>; false when it changed meanwhile or is gone.</summary>
    Task<bool> ReplaceWebhookSecretAsync(string creatorId, string webhookId, string expected, string replacement, CancellationToken cancellationToken);

    /// <summary>Deletes an endpoint and its undelivered outbox rows; false when there was none.</summary>
    Task<bool> DeleteWebhookAsync(string creatorId, string webhookId, CancellationToken cancellationToken);

    Task<IReadOnlyList<WebhookDeliveryView>> ListDeliveriesAsync(string creatorId, string webhookId, int limit, CancellationToken cancellationToken);

    /// <summary>Writes the outbox rows of drops that opened or closed by time since the last call (each once, ever).</summary>
    Task AnnounceDueDropsAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Leases up to <paramref name="limit"/> due rows to <paramref name="owner"/> until
    /// <paramref name="leaseUntil"/>: never one whose earlier row for the same endpoint and drop is
    /// undelivered (ordered per drop), never one another process holds unexpired.
    /// </summary>
    Task<IReadOnlyList<WebhookDelivery>> LeaseDeliveriesAsync(string owner, DateTimeOffset now, DateTimeOffset leaseUntil, int limit, CancellationToken cancellationToken);

    Task RecordAttemptAsync(WebhookAttempt attempt, DateTimeOffset now, CancellationToken cancellationToken);
}
