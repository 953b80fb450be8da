namespace EdgeCommerce.Cli.Services;

/// <summary>Waits for a service of the stack to become ready (<see cref="ServiceProcess.WaitForReadyAsync"/>).</summary>
internal static class Readiness
{
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (a stop was asked for).</exception>
    public static Task<ReadinessOutcome> WaitAsync(HttpClient http, ChildService service, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(service);
        return service.WaitReadyAsync(http, timeout, timeProvider, cancellationToken);
    }
}
