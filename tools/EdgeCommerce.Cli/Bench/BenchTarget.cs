using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Bench;

/// <summary>
/// One path to drive on the edge: <c>name=PATH[;scope=S][;method=M][;body=JSON]</c>. <c>{creator}</c>
/// in the path (and body) is replaced by the benchmark's creator. With a scope, every request
/// carries a bearer token for that scope and creator, taken in turn from a pool of viewer tokens
/// minted at the origin (a wrk Lua script sets the header), so personal paths (recommendations,
/// reservations) are measured with real token validation.
/// </summary>
internal sealed record BenchTarget(string Name, string Path, string? Scope, string Method, string? Body)
{
    /// <summary>The cached widget: the only target also served through nginx for the side-by-side.</summary>
    public static BenchTarget Widget { get; } = new("widget", "/v1/creators/{creator}/widget", null, "GET", null);

    /// <summary>Personal recommendations (ONNX inference per request, viewer tokens validated): run by default beside the widget.</summary>
    public static BenchTarget Recommendations { get; } = new("recs", "/v1/recommendations?creatorId={creator}&k=10", "recs:read", "GET", null);

    public bool IsWidget => ReferenceEquals(this, Widget);

    public string PathFor(string creatorId) => Path.Replace("{creator}", Uri.EscapeDataString(creatorId), StringComparison.Ordinal);

    public string? BodyFor(string creatorId) => Body?.Replace("{creator}", creatorId, StringComparison.Ordinal);

    /// <exception cref="CliException">The spec is malformed.</exception>
    public static BenchTarget Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var parts = spec.Split(';');
        var equals = parts[0].IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == parts[0].Length - 1 || parts[0][(equals + 1)] != '/')
        {
            throw new CliException($"--target '{spec}': expected name=/path[;scope=S][;method=M][;body=JSON].");
        }

        var name = parts[0][..equals];
        if (!name.All(static c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new CliException($"--target '{spec}': the name may hold ASCII letters, digits, '-' and '_' only.");
        }

        string? scope = null;
        string? body = null;
        var method = "GET";
        foreach (var part in parts.Skip(1))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = eq > 0 ? part[..eq] : part;
            var value = eq > 0 ? part[(eq + 1)..] : "";
            switch (key)
            {
                case "scope" when value.Length > 0:
                    scope = value;
                    break;
                case "method" when value is "GET" or "POST" or "PUT" or "DELETE":
                    method = value;
                    break;
                case "body":
                    body = value;
                    break;
                default:
                    throw new CliException($"--target '{spec}': unknown or empty setting '{part}' (scope=S, method=GET|POST|PUT|DELETE, body=JSON).");
            }
        }

        return new BenchTarget(name, parts[0][(equals + 1)..], scope, method, body);
    }
}
