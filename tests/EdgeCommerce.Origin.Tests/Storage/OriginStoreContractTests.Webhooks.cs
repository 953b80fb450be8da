using EdgeCommerce.Origin.Storage.Webhooks;

namespace EdgeCommerce.Origin.Tests.Storage;

/// <summary>The webhook outbox's part of the store contract (issue 16), run against SQLite and PostgreSQL alike.</summary>
public abstract partial class OriginStoreContractTests
{
    /// <summary>
    /// A sale writes its outbox row in its own transaction; rows are leased one at a time per
    /// endpoint and drop (ordered), never to two owners at once (what two origin replicas would
    /// do), and the next one is leased only once the first is delivered.
    /// </summary>
    [Fact]
    public async Task LeaseDeliveriesAsync_TwoOwners_EachRowToOneOwnerInOrderPerDrop()
    {
        // Arrange: an endpoint for sales; two sales of d1 and one of d2.
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        var webhooks = (IWebhookStore)store;
        await webhooks.PutWebhookAsync(new WebhookRecord("c1", "hook-1", "https://example.com/hook", [WebhookEvents.SaleConfirmed], "whsec_" + Convert.ToBase64String(new byte[32]), Time.GetUtcNow()), CancellationToken);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 10, limit: 5), CancellationToken);
        await drops.PutDropAsync(NewDrop("c1", "d2", units: 10, limit: 5), CancellationToken);
        var lease1 = await drops.AcquireLeaseAsync(Ask("d1", units: 4, minUnits: 4), CancellationToken);
        var lease2 = await drops.AcquireLeaseAsync(Ask("d2", units: 4, minUnits: 4), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease1.LeaseId, "r1", "viewer-1"), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease1.LeaseId, "r2", "viewer-2"), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease2.LeaseId, "r3", "viewer-1") with { DropId = "d2" }, CancellationToken);
        var now = Time.GetUtcNow();

        // Act: two owners lease at once; then the first row of d1 is delivered and they lease again.
        var leases = await Task.WhenAll(
            webhooks.LeaseDeliveriesAsync("a", now, now.AddSeconds(30), 10, CancellationToken),
            webhooks.LeaseDeliveriesAsync("b", now, now.AddSeconds(30), 10, CancellationToken));
        var first = leases.SelectMany(static l => l).ToList();
        var blocked = await webhooks.LeaseDeliveriesAsync("c", now, now.AddSeconds(30), 10, CancellationToken);
        var d1First = first.Single(static d => d.DropId == "d1");
        await webhooks.RecordAttemptAsync(new WebhookAttempt(d1First.EventId, "c1", "hook-1", true, null, false, null), now, CancellationToken);
        var next = await webhooks.LeaseDeliveriesAsync("c", now, now.AddSeconds(30), 10, CancellationToken);
        var deliveries = await webhooks.ListDeliveriesAsync("c1", "hook-1", 10, CancellationToken);

        // Assert: d1's first sale and d2's sale, each to one owner; d1's second only after the first.
        Assert.Equal(["d1", "d2"], first.Select(static d => d.DropId).Order(StringComparer.Ordinal));
        Assert.Equal(2, first.Select(static d => d.EventId).Distinct().Count());
        Assert.Contains("\"reservationId\":\"r1\"", d1First.Payload, StringComparison.Ordinal);
        Assert.Empty(blocked);
        var second = Assert.Single(next);
        Assert.Contains("\"reservationId\":\"r2\"", second.Payload, StringComparison.Ordinal);
        Assert.Equal(["pending", "pending", "delivered"], deliveries.Select(static d => d.State));
    }

    /// <summary>A failed attempt waits for its next time; a dead-lettered row is never leased again and no longer holds its drop's later rows.</summary>
    [Fact]
    public async Task RecordAttemptAsync_FailedThenDead_RetriesAtItsTimeThenLetsTheNextRowGo()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var drops = Drops(store);
        var webhooks = (IWebhookStore)store;
        await webhooks.PutWebhookAsync(new WebhookRecord("c1", "hook-1", "https://example.com/hook", [WebhookEvents.SaleConfirmed, WebhookEvents.SaleCancelled],
            "whsec_" + Convert.ToBase64String(new byte[32]), Time.GetUtcNow()), CancellationToken);
        await drops.PutDropAsync(NewDrop("c1", "d1", units: 10, limit: 5), CancellationToken);
        var lease = await drops.AcquireLeaseAsync(Ask("d1", units: 4, minUnits: 4), CancellationToken);
        await drops.ConfirmSaleAsync(Sale(lease.LeaseId, "r1", "viewer-1"), CancellationToken);
        await drops.CancelSaleAsync("c1", "d1", "r1", Time.GetUtcNow(), CancellationToken);
        var now = Time.GetUtcNow();
        var row = Assert.Single(await webhooks.LeaseDeliveriesAsync("a", now, now.AddSeconds(30), 10, CancellationToken));

        // Act
        await webhooks.RecordAttemptAsync(new WebhookAttempt(row.EventId, "c1", "hook-1", false, now.AddSeconds(10), false, "HTTP 500"), now, CancellationToken);
        var early = await webhooks.LeaseDeliveriesAsync("a", now.AddSeconds(5), now.AddSeconds(35), 10, CancellationToken);
        var due = await webhooks.LeaseDeliveriesAsync("a", now.AddSeconds(10), now.AddSeconds(40), 10, CancellationToken);
        await webhooks.RecordAttemptAsync(new WebhookAttempt(row.EventId, "c1", "hook-1", false, null, true, "HTTP 500"), now.AddSeconds(10), CancellationToken);
        var after = await webhooks.LeaseDeliveriesAsync("a", now.AddSeconds(11), now.AddSeconds(41), 10, CancellationToken);
        var deliveries = await webhooks.ListDeliveriesAsync("c1", "hook-1", 10, CancellationToken);

        // Assert
        Assert.Empty(early);
        Assert.Equal(row.EventId, Assert.Single(due).EventId);
        Assert.Equal(WebhookEvents.SaleCancelled, Assert.Single(after).EventType);
        Assert.Equal(["pending", "dead"], deliveries.Select(static d => d.State));
        Assert.Equal((2, "HTTP 500"), (deliveries[1].Attempts, deliveries[1].LastError));
    }

    /// <summary>
    /// The start's sealing pass: every creator's endpoints listed with their stored secrets, and a
    /// secret replaced only while it still is the one read (a PUT through another replica in
    /// between is not overwritten with the sealed old secret).
    /// </summary>
    [Fact]
    public async Task ReplaceWebhookSecretAsync_OnlyWhileTheStoredSecretIsTheOneRead()
    {
        // Arrange
        var store = await OpenDropStoreAsync();
        var webhooks = (IWebhookStore)store;
        await webhooks.PutWebhookAsync(new WebhookRecord("c1", "hook-1", "https://example.com/1", [WebhookEvents.SaleConfirmed], "whsec_old-1", Time.GetUtcNow()), CancellationToken);
        await webhooks.PutWebhookAsync(new WebhookRecord("c2", "hook-2", "https://example.com/2", [WebhookEvents.SaleConfirmed], "whsec_old-2", Time.GetUtcNow()), CancellationToken);
        var listed = await webhooks.ListAllWebhooksAsync(CancellationToken);
        await webhooks.PutWebhookAsync(new WebhookRecord("c2", "hook-2", "https://example.com/2", [WebhookEvents.SaleConfirmed], "sealed:new-2", Time.GetUtcNow()), CancellationToken);

        // Act
        var replaced1 = await webhooks.ReplaceWebhookSecretAsync("c1", "hook-1", "whsec_old-1", "sealed:old-1", CancellationToken);
        var replaced2 = await webhooks.ReplaceWebhookSecretAsync("c2", "hook-2", "whsec_old-2", "sealed:old-2", CancellationToken);
        var gone = await webhooks.ReplaceWebhookSecretAsync("c3", "hook-3", "whsec_old-3", "sealed:old-3", CancellationToken);
        var after = await webhooks.ListAllWebhooksAsync(CancellationToken);

        // Assert
        Assert.Equal([("c1", "hook-1", "whsec_old-1"), ("c2", "hook-2", "whsec_old-2")], listed.Select(static w => (w.CreatorId, w.WebhookId, w.Secret)));
        Assert.Equal((true, false, false), (replaced1, replaced2, gone));
        Assert.Equal(["sealed:old-1", "sealed:new-2"], after.Select(static w => w.Secret));
    }
}
