using System.Diagnostics.Metrics;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// <c>edgecommerce.auth.token.rejections</c>: refused tokens by reason class (a closed set, the
/// <see cref="TokenFailure"/> names), so an SRE sees a wave of expired or forged tokens without
/// the 401 ever saying which. Never the token, its subject or its creator.
/// </summary>
public sealed class AuthenticationMetrics
{
    public const string MeterName = "EdgeCommerce.Authentication";

    private readonly Counter<long> _rejections;
    private readonly Counter<long> _throttled;

    public AuthenticationMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _rejections = meter.CreateCounter<long>("edgecommerce.auth.token.rejections", unit: "{token}",
            description: "Bearer tokens refused, by reason class.");
        _throttled = meter.CreateCounter<long>("edgecommerce.auth.token.throttled", unit: "{token}",
            description: "Bearer tokens refused unchecked: their client network was over its failed-authentication limit.");
    }

    public void Throttled() => _throttled.Add(1);

    public void Rejected(TokenFailure reason)
        => _rejections.Add(1, new KeyValuePair<string, object?>("reason", ReasonName(reason)));

    /// <summary>Lower-case, fixed strings: a label value never comes from the request.</summary>
    internal static string ReasonName(TokenFailure reason) => reason switch
    {
        TokenFailure.Missing => "missing",
        TokenFailure.Oversize => "oversize",
        TokenFailure.Malformed => "malformed",
        TokenFailure.Header => "header",
        TokenFailure.UnknownKey => "unknown_key",
        TokenFailure.Claims => "claims",
        TokenFailure.Rejected => "rejected",
        _ => "other",
    };
}
