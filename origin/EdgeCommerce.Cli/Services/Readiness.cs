namespace EdgeCommerce.Cli.Services;

/// <summary>How waiting for a service to become ready ended.</summary>
internal enum ReadinessOutcome
{
    Ready,
    Exited,
    TimedOut,
}

/// <summary>Polls a service's readiness URL until it answers 200, the process exits, or time runs out.</summary>
internal static class Readiness
{
    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(100);

    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (a stop was asked for).</exception>
    public static async Task<ReadinessOutcome> WaitAsync(HttpClient http, ChildService service, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(timeProvider);

        var started = timeProvider.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (service.Exited.IsCompleted)
            {
                return ReadinessOutcome.Exited;
            }

            if (timeProvider.GetElapsedTime(started) > timeout)
            {
                return ReadinessOutcome.TimedOut;
            }

            try
            {
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(TimeSpan.FromSeconds(5));
                using var response = await http.GetAsync(service.Definition.ReadyUrl, attempt.Token);
                if (response.IsSuccessStatusCode)
                {
                    return ReadinessOutcome.Ready;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // This attempt timed out; try again.
            }

            await Task.WhenAny(service.Exited, Task.Delay(s_pollInterval, timeProvider, cancellationToken));
        }
    }
}
