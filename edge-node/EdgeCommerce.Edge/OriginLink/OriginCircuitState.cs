namespace EdgeCommerce.Edge.OriginLink;

/// <summary>A replica's circuit as metrics and the dashboard show it (the gauge's values).</summary>
internal enum OriginCircuitState
{
    Closed = 0,
    HalfOpen = 1,
    Open = 2,
}
