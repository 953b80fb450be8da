namespace EdgeCommerce.Edge.OriginLink;

/// <summary>
/// No origin replica answered the call: each one timed out, was unavailable, or has an open
/// circuit. Whether a write landed is unknown, so callers keep what they hold and may retry.
/// </summary>
internal sealed class OriginUnavailableException : Exception
{
    public OriginUnavailableException()
        : this(TimeSpan.FromSeconds(1), circuitOpen: false, inner: null)
    {
    }

    public OriginUnavailableException(TimeSpan retryAfter, bool circuitOpen, Exception? inner)
        : base("The origin cannot be reached.", inner)
    {
        RetryAfter = retryAfter;
        CircuitOpen = circuitOpen;
    }

    /// <summary>When a call could next reach an origin: the time until the next probe, at least 1 second.</summary>
    public TimeSpan RetryAfter { get; }

    /// <summary>True when the call was refused at once by open circuits (no origin was called).</summary>
    public bool CircuitOpen { get; }
}
