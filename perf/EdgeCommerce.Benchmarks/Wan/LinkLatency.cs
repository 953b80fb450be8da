using System.Globalization;

namespace EdgeCommerce.Benchmarks.Wan;

/// <summary>
/// One direction of a link: a one-way delay and a jitter (each segment waits the delay plus a
/// uniform draw in ±jitter, never less than zero, and never leaves before the segment ahead of it).
/// </summary>
internal sealed record LinkLatency(TimeSpan Delay, TimeSpan Jitter)
{
    public static LinkLatency None { get; } = new(TimeSpan.Zero, TimeSpan.Zero);

    /// <summary><c>40</c> or <c>40:5</c>: milliseconds of delay, and of jitter after the colon.</summary>
    public static LinkLatency Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(':', StringSplitOptions.TrimEntries);
        if (parts.Length > 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var delay) || delay < 0
            || (parts.Length == 2 && (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var jitter) || jitter < 0)))
        {
            throw new ArgumentException($"A link latency is DELAY_MS or DELAY_MS:JITTER_MS (e.g. 40 or 40:2), not '{text}'.");
        }

        return new LinkLatency(TimeSpan.FromMilliseconds(delay), parts.Length == 2 ? TimeSpan.FromMilliseconds(double.Parse(parts[1], CultureInfo.InvariantCulture)) : TimeSpan.Zero);
    }

    /// <summary>This direction's delay for one segment.</summary>
    public TimeSpan Draw(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        if (Jitter <= TimeSpan.Zero)
        {
            return Delay;
        }

        var offset = ((random.NextDouble() * 2) - 1) * Jitter.TotalMilliseconds;
        return TimeSpan.FromMilliseconds(Math.Max(0, Delay.TotalMilliseconds + offset));
    }

    public override string ToString()
        => Jitter > TimeSpan.Zero
            ? string.Create(CultureInfo.InvariantCulture, $"{Delay.TotalMilliseconds:0.#} ms ± {Jitter.TotalMilliseconds:0.#}")
            : string.Create(CultureInfo.InvariantCulture, $"{Delay.TotalMilliseconds:0.#} ms");
}
