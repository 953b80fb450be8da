namespace EdgeCommerce.Benchmarks.Wan;

/// <summary>
/// A link between two tiers, one latency per direction: <see cref="Down"/> from the upper tier
/// (origin, relay) toward the lower one (relay, edge), <see cref="Up"/> back.
/// </summary>
internal sealed record WanLink(LinkLatency Down, LinkLatency Up)
{
    /// <summary><c>40</c>, <c>40:2</c> (both directions) or <c>40:2/35</c> (down/up).</summary>
    public static WanLink Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var directions = text.Split('/', StringSplitOptions.TrimEntries);
        return directions.Length switch
        {
            1 => new WanLink(LinkLatency.Parse(directions[0]), LinkLatency.Parse(directions[0])),
            2 => new WanLink(LinkLatency.Parse(directions[0]), LinkLatency.Parse(directions[1])),
            _ => throw new ArgumentException($"A link is LATENCY or DOWN/UP (e.g. 40:2 or 40:2/35), not '{text}'."),
        };
    }

    public override string ToString() => Down == Up ? $"{Down} each way" : $"{Down} down, {Up} up";
}
