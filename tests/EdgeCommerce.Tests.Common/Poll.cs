namespace EdgeCommerce.Tests.Common;

/// <summary>Waiting for something another process does, without a timing assertion: the patience is generous and the failure says what was awaited.</summary>
public static class Poll
{
    /// <summary>How long <see cref="UntilAsync"/> waits unless told otherwise: long enough for a loaded two-core machine.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Calls <paramref name="condition"/> every <paramref name="interval"/> until it holds; after
    /// <paramref name="patience"/> (default <see cref="Patience"/>) fails with <paramref name="what"/>
    /// and <paramref name="describe"/> (a process's output, what was seen).
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, Func<string> describe, TimeSpan interval, CancellationToken cancellationToken, TimeSpan? patience = null)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(describe);
        var limit = patience ?? Patience;
        var elapsed = System.Diagnostics.Stopwatch.StartNew();
        while (!await condition())
        {
            if (elapsed.Elapsed > limit)
            {
                throw new TimeoutException($"Waited {limit.TotalSeconds:0} s for {what}.\n{describe()}");
            }

            await Task.Delay(interval, cancellationToken);
        }
    }
}
