namespace EdgeCommerce.Tests.Common;

/// <summary>Problem details bodies compared byte for byte.</summary>
public static class ProblemBodies
{
    /// <summary>The body with the problem's per-request <c>traceId</c> blanked (it differs between any two requests).</summary>
    public static string WithoutTraceId(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        const string TraceId = "\"traceId\":\"";
        var at = body.IndexOf(TraceId, StringComparison.Ordinal);
        return at < 0 ? body : body[..(at + TraceId.Length)] + body[body.IndexOf('"', at + TraceId.Length)..];
    }
}
