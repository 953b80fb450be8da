using System.Net;
using EdgeCommerce.ServiceDefaults.Http;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// Counts failed token validations per client network (<see cref="ClientAddress"/>) in fixed
/// windows: once a network has failed <see cref="AccessTokenOptions.FailedAuthenticationLimit"/>
/// times in a window, its further uncached tokens are refused before any parsing or signature
/// check, so a flood of forged tokens under a known <c>kid</c> costs a lookup, not an ECDSA verify.
/// </summary>
/// <remarks>
/// A count-min sketch over a fixed array rather than a dictionary of limiters: memory is the same
/// 512 KiB whether one address or a million fail, nothing is allocated or locked (one
/// compare-and-swap per slot on a failure), and the per-process random seeds keep a caller from
/// choosing addresses that collide with a victim's. A collision can only overcount, so a network
/// that stays under the limit may still be refused when both its slots are shared with heavy
/// failers; it is never undercounted. The size is what keeps that rare: one process cannot verify
/// much more than 300,000 forged tokens per 10-second window on two cores, which leaves a few
/// failures per slot on average against a limit of 30. Only uncached tokens are affected: a token validated before
/// keeps working from every address.
/// </remarks>
public sealed class FailedAuthenticationLimiter
{
    /// <summary>Slots in the sketch (a power of two); two per client network.</summary>
    internal const int Slots = 65_536;

    private readonly long[] _slots = new long[Slots];
    private readonly int _limit;
    private readonly long _windowMs;
    private readonly TimeProvider _timeProvider;
    private readonly int _seed1 = Random.Shared.Next();
    private readonly int _seed2 = Random.Shared.Next();

    public FailedAuthenticationLimiter(IOptions<AccessTokenOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _limit = options.Value.FailedAuthenticationLimit;
        _windowMs = Math.Max(1, (long)options.Value.FailedAuthenticationWindow.TotalMilliseconds);
        _timeProvider = timeProvider;
    }

    /// <summary>True when the client's network has used up its failures in the current window.</summary>
    /// <remarks>A connection without an IP address (in-process, a Unix socket) is local and never limited.</remarks>
    public bool IsOverLimit(IPAddress? address)
    {
        if (_limit == 0 || address is null)
        {
            return false;
        }

        var key = ClientAddress.KeyOf(address);
        var window = CurrentWindow();
        return Count(Index(key, _seed1), window) >= _limit && Count(Index(key, _seed2), window) >= _limit;
    }

    /// <summary>Counts one failed validation against the client's network.</summary>
    public void RecordFailure(IPAddress? address)
    {
        if (_limit == 0 || address is null)
        {
            return;
        }

        var key = ClientAddress.KeyOf(address);
        var window = CurrentWindow();
        Increment(Index(key, _seed1), window);
        Increment(Index(key, _seed2), window);
    }

    // A slot holds (window << 32) | count; the window index wraps at 2^32 windows, which only
    // matters if a slot sits untouched for exactly that long.
    private uint CurrentWindow() => unchecked((uint)(_timeProvider.GetUtcNow().ToUnixTimeMilliseconds() / _windowMs));

    private static int Index(UInt128 key, int seed) => HashCode.Combine(seed, (ulong)key, (ulong)(key >> 64)) & (Slots - 1);

    private int Count(int index, uint window)
    {
        var slot = Volatile.Read(ref _slots[index]);
        return (uint)(slot >>> 32) == window ? (int)(uint)slot : 0;
    }

    private void Increment(int index, uint window)
    {
        while (true)
        {
            var slot = Volatile.Read(ref _slots[index]);
            var count = (uint)(slot >>> 32) == window ? (uint)slot : 0;
            if (count >= int.MaxValue)
            {
                return;
            }

            var next = ((long)window << 32) | (count + 1);
            if (Interlocked.CompareExchange(ref _slots[index], next, slot) == slot)
            {
                return;
            }
        }
    }
}
