using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using EdgeCommerce.Origin.Keys;
using EdgeCommerce.Origin.Storage.Webhooks;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Webhooks;

/// <summary>
/// Sends the outbox: every <see cref="WebhooksOptions.PollInterval"/> it writes the
/// drop events that happen by time (opened, closed at <c>endsAt</c>), leases due rows (in the
/// store's write transaction, so with several PostgreSQL replicas each row is sent by the one that
/// leased it) and posts them signed. A row is leased only when no earlier row of the same endpoint
/// and drop is undelivered, so each endpoint sees a drop's events in order. A failure waits an
/// exponential backoff with jitter; after <see cref="WebhooksOptions.RetryFor"/> the row is dead.
/// At-least-once: a process killed after the receiver's 2xx and before the row is marked sends it
/// again once its lease ends, with the same <c>webhook-id</c>.
/// </summary>
internal sealed class WebhookDispatcher(
    IWebhookStore store,
    WebhookSecretSealer secrets,
    TimeProvider timeProvider,
    IOptions<WebhooksOptions> options,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    /// <summary>Failure messages kept on a row are cut to this length.</summary>
    private const int MaxErrorLength = 300;

    /// <summary>This process, as the owner of the rows it leases.</summary>
    private readonly string _owner = Environment.MachineName + "/" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "/" + Guid.NewGuid().ToString("N")[..8];

    // Redirects are not followed: a signed delivery goes to the registered URL only.
    private readonly HttpClient _http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, timeProvider);
        try
        {
            do
            {
                try
                {
                    await DispatchOnceAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    WebhooksLog.DispatchFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round: due drop events written, due rows leased and sent; returns how many were sent.</summary>
    internal async Task<int> DispatchOnceAsync(CancellationToken cancellationToken)
    {
        var value = options.Value;
        var now = timeProvider.GetUtcNow();
        await store.AnnounceDueDropsAsync(now, cancellationToken);
        var leased = await store.LeaseDeliveriesAsync(_owner, now, now + value.LeaseDuration, value.BatchSize, cancellationToken);
        await Task.WhenAll(leased.Select(delivery => DeliverAsync(delivery, cancellationToken)));
        return leased.Count;
    }

    private async Task DeliverAsync(WebhookDelivery delivery, CancellationToken cancellationToken)
    {
        var value = options.Value;
        string? error = null;
        try
        {
            var secret = secrets.Open(delivery.CreatorId, delivery.WebhookId, delivery.Secret);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(value.DeliveryTimeout);
            using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
            {
                Content = new StringContent(delivery.Payload, Encoding.UTF8, "application/json"),
            };
            var timestamp = timeProvider.GetUtcNow().ToUnixTimeSeconds();
            request.Headers.Add("webhook-id", delivery.EventId);
            request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add("webhook-signature", WebhookSignature.Sign(secret, delivery.EventId, timestamp, delivery.Payload));
            request.Headers.UserAgent.Add(new ProductInfoHeaderValue("EdgeCommerce-Webhooks", "1"));
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                error = string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            error = "timed out";
        }
        catch (HttpRequestException ex)
        {
            error = ex.HttpRequestError.ToString();
        }
        catch (KeyEncryptionException ex)
        {
            // Fail closed: nothing is sent unsigned or signed with another endpoint's secret; the
            // row is retried (and dead-lettered) like any failure, so the creator sees it.
            WebhooksLog.SecretDoesNotOpen(logger, delivery.CreatorId, delivery.WebhookId, ex.Message);
            error = "the endpoint's secret does not open";
        }

        var now = timeProvider.GetUtcNow();
        var attempt = delivery.Attempts + 1;
        if (error is null)
        {
            await store.RecordAttemptAsync(new WebhookAttempt(delivery.EventId, delivery.CreatorId, delivery.WebhookId, true, null, false, null), now, CancellationToken.None);
            WebhooksLog.Delivered(logger, delivery.EventType, delivery.EventId, delivery.CreatorId, delivery.WebhookId, attempt);
            return;
        }

        error = error.Length > MaxErrorLength ? error[..MaxErrorLength] : error;
        var next = now + Backoff(value, attempt);
        if (next - delivery.CreatedAt > value.RetryFor)
        {
            await store.RecordAttemptAsync(new WebhookAttempt(delivery.EventId, delivery.CreatorId, delivery.WebhookId, false, null, true, error), now, CancellationToken.None);
            WebhooksLog.DeadLettered(logger, delivery.EventType, delivery.EventId, delivery.CreatorId, delivery.WebhookId, attempt, error);
            return;
        }

        await store.RecordAttemptAsync(new WebhookAttempt(delivery.EventId, delivery.CreatorId, delivery.WebhookId, false, next, false, error), now, CancellationToken.None);
        WebhooksLog.AttemptFailed(logger, delivery.EventType, delivery.EventId, delivery.CreatorId, delivery.WebhookId, attempt, error, next);
    }

    /// <summary>Full jitter over an exponential ceiling: at least half the step, so retries neither stampede nor collapse to zero.</summary>
    internal static TimeSpan Backoff(WebhooksOptions options, int attempt)
    {
        var ceiling = Math.Min(options.MaxBackoff.TotalMilliseconds, options.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds((ceiling / 2) + (Random.Shared.NextDouble() * ceiling / 2));
    }
}
