using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EdgeCommerce.Tests.Common.Fuzzing;

/// <summary>
/// A small seeded mutation fuzzer for request bodies: byte flips, truncation, insertion of lone
/// surrogates, invalid UTF-8, huge numbers, deep nesting and duplicate keys, and JSON-aware type
/// swaps. The same seed gives the same inputs, so a failure replays with
/// <c>EDGECOMMERCE_FUZZ_SEED=&lt;seed&gt;</c>.
/// </summary>
public sealed class Mutator
{
    /// <summary>Replays a run: the seed a failing run printed.</summary>
    public const string SeedVariable = "EDGECOMMERCE_FUZZ_SEED";

    private static readonly string[] s_fragments =
    [
        "\"\\ud800\"", "\"\\udfff\"", "\"a\\ud800b\"", "\"\\u0000\"", "\"\\u001f\"", "\"\u202e\"",
        "1e309", "-1e309", "99999999999999999999999999", "-9223372036854775809", "9223372036854775807", "2147483648", "-0", "0.5", "1E2", "NaN", "Infinity",
        "null", "true", "[]", "{}", "\"\"", "\"0001-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59Z\"", "\"0000-00-00T00:00:00Z\"",
        ",", ":", "\"", "{", "}", "[", "]", "\\", "/*x*/", "//", "\u00a0",
    ];

    private static readonly byte[][] s_invalidUtf8 = [[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF], [0xE2, 0x82], [0x80]];

    private readonly Random _random;

    public Mutator(int seed)
    {
        Seed = seed;
        _random = new Random(seed);
    }

    public int Seed { get; }

    /// <summary>The seed from <see cref="SeedVariable"/>, or a fresh one.</summary>
    public static Mutator FromEnvironment()
        => new(int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) ? seed : Random.Shared.Next());

    /// <summary>Says how to replay: put it in every assertion message.</summary>
    public string Replay => $"{SeedVariable}={Seed}";

    public int Next(int maxExclusive) => _random.Next(maxExclusive);

    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    /// <summary>One mutant of <paramref name="seedJson"/> (UTF-8 bytes, often not JSON, often not UTF-8).</summary>
    public byte[] Mutate(string seedJson)
    {
        var bytes = Encoding.UTF8.GetBytes(seedJson);
        var rounds = 1 + _random.Next(3);
        for (var i = 0; i < rounds; i++)
        {
            bytes = _random.Next(9) switch
            {
                0 => FlipBit(bytes),
                1 => bytes[.._random.Next(bytes.Length + 1)],
                2 => Insert(bytes, Encoding.UTF8.GetBytes(Pick(s_fragments))),
                3 => Insert(bytes, Pick(s_invalidUtf8)),
                4 => Insert(bytes, Encoding.UTF8.GetBytes(Nesting(1 + _random.Next(200)))),
                5 => Structured(DuplicateKey, bytes),
                _ => Structured(SwapValue, bytes),
            };
        }

        return bytes;
    }

    /// <summary>A string a field might be set to: empty, huge, surrogate-bearing, control characters, non-ASCII.</summary>
    public string NastyString()
        => _random.Next(10) switch
        {
            0 => "",
            1 => new string('a', 1 + _random.Next(100_000)),
            2 => "\ud800",
            3 => "a\u0000b",
            4 => "ünïcödé-ß",
            5 => " ",
            6 => "x/../y",
            7 => "id-" + _random.Next(),
            8 => "\u202e",
            _ => new string('9', 1 + _random.Next(40)),
        };

    /// <summary>An integer at or near a boundary.</summary>
    public long NastyInt64()
        => _random.Next(8) switch
        {
            0 => long.MaxValue,
            1 => long.MinValue,
            2 => -1,
            3 => 0,
            4 => int.MaxValue + 1L,
            5 => 253_402_300_800_000,
            6 => _random.NextInt64(),
            _ => _random.Next(1000),
        };

    /// <summary>Runs <paramref name="iteration"/> at least <paramref name="minimum"/> times and then until <paramref name="budget"/> is spent or <paramref name="maximum"/> is reached; returns how many ran.</summary>
    public static async Task<int> RunAsync(int minimum, int maximum, TimeSpan budget, Func<int, Task> iteration)
    {
        ArgumentNullException.ThrowIfNull(iteration);
        var clock = Stopwatch.StartNew();
        var count = 0;
        while (count < maximum && (count < minimum || clock.Elapsed < budget))
        {
            await iteration(count);
            count++;
        }

        return count;
    }

    /// <summary>A JSON-aware mutation, or a bit flip when the input (already mutated) no longer reads as a tree.</summary>
    private byte[] Structured(Func<byte[], byte[]> mutation, byte[] bytes)
    {
        try
        {
            return mutation(bytes);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return FlipBit(bytes);
        }
    }

    private byte[] FlipBit(byte[] bytes)
    {
        if (bytes.Length == 0)
        {
            return bytes;
        }

        var copy = (byte[])bytes.Clone();
        copy[_random.Next(copy.Length)] ^= (byte)(1 << _random.Next(8));
        return copy;
    }

    private byte[] Insert(byte[] bytes, byte[] fragment)
    {
        var at = _random.Next(bytes.Length + 1);
        return [.. bytes.AsSpan(0, at), .. fragment, .. bytes.AsSpan(at)];
    }

    private static string Nesting(int depth) => new string('[', depth) + new string(']', depth);

    /// <summary>Repeats a property right after the first '{' (<c>{"k":v, ...</c> → <c>{"k":w,"k":v, ...</c>).</summary>
    private byte[] DuplicateKey(byte[] bytes)
    {
        if (Parse(bytes) is not JsonObject { Count: > 0 } root)
        {
            return FlipBit(bytes);
        }

        var (name, _) = root.ElementAt(_random.Next(root.Count));
        var text = Encoding.UTF8.GetString(bytes);
        var brace = text.IndexOf('{', StringComparison.Ordinal);
        return Encoding.UTF8.GetBytes(text[..(brace + 1)] + JsonSerializer.Serialize(name) + ":" + Value() + "," + text[(brace + 1)..]);
    }

    /// <summary>Replaces one value anywhere in the tree with a value of another type (or a nasty one), or a name with a nasty name.</summary>
    private byte[] SwapValue(byte[] bytes)
    {
        if (Parse(bytes) is not { } root)
        {
            return Insert(bytes, Encoding.UTF8.GetBytes(Pick(s_fragments)));
        }

        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var target = Pick(nodes);
        var replacement = Value();
        string text;
        if (target.Parent is JsonObject parent && _random.Next(4) == 0)
        {
            // Rename the property (a surrogate or a stranger's name).
            var name = target.GetPropertyName();
            parent.Remove(name);
            text = root.ToJsonString();
            var marker = text.Length > 1 ? 1 : 0;
            return Encoding.UTF8.GetBytes(text[..marker] + (_random.Next(2) == 0 ? "\"\\ud800\"" : JsonSerializer.Serialize(NastyString())) + ":" + Value() + (parent.Count > 0 || text.Length > 2 ? "," : "") + text[marker..]);
        }

        const string Marker = "\"__fuzz_marker__\"";
        if (target == root)
        {
            return Encoding.UTF8.GetBytes(replacement);
        }

        ReplaceWithMarker(target);
        text = root.ToJsonString();
        return Encoding.UTF8.GetBytes(text.Replace(Marker, replacement, StringComparison.Ordinal));
    }

    private static void ReplaceWithMarker(JsonNode target)
    {
        switch (target.Parent)
        {
            case JsonObject parent:
                parent[target.GetPropertyName()] = "__fuzz_marker__";
                break;
            case JsonArray array:
                array[target.GetElementIndex()] = "__fuzz_marker__";
                break;
        }
    }

    private string Value()
        => _random.Next(6) switch
        {
            0 => Pick(s_fragments) is var f && f is "," or ":" or "\"" or "{" or "}" or "[" or "]" or "\\" or "/*x*/" or "//" ? "null" : Pick(s_fragments),
            1 => JsonSerializer.Serialize(NastyString()),
            2 => NastyInt64().ToString(CultureInfo.InvariantCulture),
            3 => Nesting(1 + _random.Next(100)),
            4 => "{\"a\":" + JsonSerializer.Serialize(NastyString()) + "}",
            _ => _random.Next(2) == 0 ? "true" : "[1,\"x\",null]",
        };

    private static void Collect(JsonNode? node, List<JsonNode> nodes)
    {
        if (node is null)
        {
            return;
        }

        nodes.Add(node);
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj.ToArray())
                {
                    Collect(child, nodes);
                }

                break;
            case JsonArray array:
                foreach (var child in array.ToArray())
                {
                    Collect(child, nodes);
                }

                break;
        }
    }

    private static JsonNode? Parse(byte[] bytes)
    {
        try
        {
            return JsonNode.Parse(bytes, documentOptions: new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }
}
