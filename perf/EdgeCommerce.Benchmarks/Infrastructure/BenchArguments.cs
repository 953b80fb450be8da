using System.Globalization;

namespace EdgeCommerce.Benchmarks.Infrastructure;

/// <summary>
/// <c>--name value</c> / <c>--name=value</c> options of an end-to-end benchmark. Every option must
/// be read by the benchmark; <see cref="EnsureAllRead"/> refuses the rest, so a typo never runs a
/// long benchmark with a default the caller did not mean.
/// </summary>
internal sealed class BenchArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private BenchArguments(string[] arguments)
    {
        Arguments = arguments;
        CommandLine = string.Join(' ', arguments.Select(Quote));
    }

    /// <summary>The arguments as given, the benchmark's name first.</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>The command as typed (for the results file).</summary>
    public string CommandLine { get; }

    public static BenchArguments Parse(string[] args)
    {
        var parsed = new BenchArguments([.. args]);
        for (var i = 1; i < args.Length; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new ArgumentException($"Unexpected argument '{arg}': options look like --name value.");
            }

            string name;
            string value;
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                name = arg[2..equals];
                value = arg[(equals + 1)..];
            }
            else if (i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal))
            {
                name = arg[2..];
                value = args[++i];
            }
            else
            {
                name = arg[2..];
                value = "true";
            }

            if (!parsed._values.TryGetValue(name, out var list))
            {
                parsed._values[name] = list = [];
            }

            list.Add(value);
        }

        return parsed;
    }

    public int Int(string name, int defaultValue, int min = 0)
    {
        var value = Single(name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : defaultValue;
        return value >= min ? value : throw new ArgumentException($"--{name} must be at least {min}.");
    }

    public IReadOnlyList<int> Ints(string name, IReadOnlyList<int> defaultValue)
        => Single(name) is { } text
            ? text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(static v => int.Parse(v, CultureInfo.InvariantCulture) is var n and > 0 ? n : throw new ArgumentException("Counts must be positive."))
                .ToList()
            : defaultValue;

    public bool Flag(string name, bool defaultValue = false) => Single(name) is { } text ? bool.Parse(text) : defaultValue;

    /// <summary>A repeatable option, e.g. <c>--edge-setting Sync:PersistInterval=00:10:00</c>.</summary>
    public IReadOnlyList<string> All(string name)
    {
        _read.Add(name);
        return _values.TryGetValue(name, out var list) ? list : [];
    }

    public void EnsureAllRead()
    {
        var unknown = _values.Keys.Where(k => !_read.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException("Unknown option(s): " + string.Join(", ", unknown.Select(static u => "--" + u)));
        }
    }

    private string? Single(string name)
    {
        _read.Add(name);
        if (!_values.TryGetValue(name, out var list))
        {
            return null;
        }

        return list.Count == 1 ? list[0] : throw new ArgumentException($"--{name} was given more than once.");
    }

    private static string Quote(string arg) => arg.Contains(' ', StringComparison.Ordinal) ? $"\"{arg}\"" : arg;
}
