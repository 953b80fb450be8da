namespace EdgeCommerce.Cli.Services;

/// <summary>
/// A service of the local stack running as a child process (<see cref="ServiceProcess"/>): its
/// output appended to a log file (or left on the console), stopped with SIGTERM and, past a grace
/// period, killed.
/// </summary>
internal sealed class ChildService : IAsyncDisposable
{
    private readonly ServiceProcess _process;

    private ChildService(ServiceDefinition definition, ServiceProcess process)
    {
        Definition = definition;
        _process = process;
    }

    public ServiceDefinition Definition { get; }

    public string Name => Definition.Name;

    public int ProcessId => _process.Id;

    /// <summary>Completes with the exit code once the process has exited and its output is written.</summary>
    public Task<int> Exited => _process.Exited;

    /// <summary>True once <see cref="StopAsync"/> was called: an exit after that is expected.</summary>
    public bool StopRequested => _process.StopRequested;

    /// <summary>
    /// Starts the service. With <paramref name="logPath"/>, its stdout and stderr are appended to that
    /// file; without, it shares this process's console (for the foreground verbs).
    /// </summary>
    public static ChildService Start(ServiceDefinition definition, string? logPath, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(timeProvider);
        Directory.CreateDirectory(definition.DataDirectory);
        var process = ServiceProcess.Start(
            new ServiceStartInfo(definition.Name, definition.AssemblyPath, definition.Arguments)
            {
                WorkingDirectory = definition.WorkingDirectory,
                LogPath = logPath,
                InheritConsole = logPath is null,
            },
            timeProvider);
        return new ChildService(definition, process);
    }

    /// <summary>Sends SIGTERM, waits up to <paramref name="grace"/>, then kills the process tree. Returns the exit code.</summary>
    public Task<int> StopAsync(TimeSpan grace) => _process.StopAsync(grace);

    /// <summary>Polls the service's readiness URL until it answers 200, the process exits, or time runs out.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled (a stop was asked for).</exception>
    public Task<ReadinessOutcome> WaitReadyAsync(HttpClient http, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken)
        => _process.WaitForReadyAsync(http, Definition.ReadyUrl, timeout, timeProvider, cancellationToken, pollInterval: TimeSpan.FromMilliseconds(100));

    public ValueTask DisposeAsync() => _process.DisposeAsync();
}
