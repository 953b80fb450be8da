using System.ComponentModel.DataAnnotations;

namespace EdgeCommerce.ServiceDefaults.Observability;

/// <summary>Where metrics and the dashboard may be read from (section <c>Observability</c>).</summary>
public sealed class ObservabilityOptions
{
    public const string SectionName = "Observability";

    /// <summary>
    /// Whether <c>/metrics</c> and <c>/dashboard</c> answer connections from other hosts.
    /// <value>The default is <see langword="false"/>: loopback only, everyone else gets 404.</value>
    /// Deployments whose Prometheus scrapes over the network set it to <see langword="true"/>
    /// (and keep the port off the public internet).
    /// </summary>
    public bool AllowRemote { get; set; }

    /// <summary>
    /// Whether traces are recorded even without an OTLP endpoint (tests, local debugging).
    /// <value>The default is <see langword="false"/>: traces are recorded only when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is configured, so a request pays for no span nobody receives.</value>
    /// </summary>
    public bool Tracing { get; set; }

    /// <summary>
    /// How long one edge's load report stays on the origin's overview.
    /// <value>The default is 30 seconds.</value>
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan ReportTimeToLive { get; set; } = TimeSpan.FromSeconds(30);
}
