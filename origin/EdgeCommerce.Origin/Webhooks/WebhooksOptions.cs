using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.Origin.Webhooks;

/// <summary>Origin settings for webhook deliveries (section <c>Webhooks</c>).</summary>
internal sealed class WebhooksOptions
{
    public const string SectionName = "Webhooks";

    /// <summary>How often the dispatcher looks for due deliveries and due drop events. The default is 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The wait after a first failed attempt; it doubles per attempt (with jitter) up to <see cref="MaxBackoff"/>. The default is 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between attempts. The default is 1 hour.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long an event is retried before it is dead-lettered (shown as dead in the deliveries). The default is 25 hours.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(25);

    /// <summary>How long one request to an endpoint may take. The default is 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan DeliveryTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a replica holds the outbox rows it took (then another may send them). Longer than a delivery. The default is 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The most deliveries one replica sends at once. The default is 32.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 32;

    /// <summary>Largest admin request body in bytes. The default is 16 KiB.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 16 * 1024;
}
