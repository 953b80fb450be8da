namespace EdgeCommerce.Origin.Network;

/// <summary>Who may reach the origin's API over cleartext HTTP.</summary>
public sealed class NetworkOptions
{
    public const string SectionName = "Network";

    /// <summary>
    /// Serve the admin API and the sync service to non-loopback callers over cleartext HTTP. Off,
    /// such callers get only <c>/healthz</c> and <c>/readyz</c> there (an orchestrator's probes)
    /// and a 404 for everything else: tokens cross a network only over TLS. Turn it on only behind
    /// a TLS-terminating proxy on a private network. The default is <see langword="false"/>.
    /// </summary>
    public bool AllowRemoteCleartext { get; set; }
}
