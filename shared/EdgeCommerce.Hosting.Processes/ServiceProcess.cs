using System.Collections.Concurrent;
using System.Diagnostics;

namespace EdgeCommerce.Hosting.Processes;

/// <summary>How waiting for a service to answer its readiness URL ended.</summary>
public enum ReadinessOutcome
{
    Ready,
    Exited,
    TimedOut,
}

/// <summary>
/// A service running as a child process (<c>dotnet X.dll args</c>): its last output lines kept for
/// failure messages (and appended to a log file when asked), readiness by polling an HTTP URL,
/// POSIX signals (a hung service is a SIGSTOP), a graceful stop with SIGTERM that kills past a
/// grace period, and a hard kill for crash tests.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int KeptLines = 400;
    private static readonly TimeSpan s_defaultPollInterval = TimeSpan.FromMilliseconds(50);

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly StreamWriter? _log;
    private readonly Lock _logLock = new();

    private ServiceProcess(ServiceStartInfo startInfo, Process process, StreamWriter? log)
    {
        StartInfo = startInfo;
        _process = process;
        _log = log;
    }

    public ServiceStartInfo StartInfo { get; }

    public string Name => StartInfo.Name;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Completes with the exit code once the process has exited and its output is read to the end.</summary>
    public Task<int> Exited { get; private set; } = Task.FromResult(-1);

    /// <summary>True once <see cref="StopAsync"/> was called: an exit after that is expected.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>The last lines the process wrote (none when it inherits the console).</summary>
    public string Output => string.Join(Environment.NewLine, _output);

    public static ServiceProcess Start(ServiceStartInfo startInfo, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        var capture = !startInfo.InheritConsole;
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            WorkingDirectory = startInfo.WorkingDirectory ?? Path.GetDirectoryName(Path.GetFullPath(startInfo.AssemblyPath))!,
            RedirectStandardOutput = capture,
            RedirectStandardError = capture,
            RedirectStandardInput = capture,
        };
        info.ArgumentList.Add(startInfo.AssemblyPath);
        foreach (var argument in startInfo.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        // Several services share a machine (and its 2 cores, in CI): workstation GC keeps each one
        // small, unless the caller chose otherwise.
        if (Environment.GetEnvironmentVariable("DOTNET_gcServer") is null)
        {
            info.Environment["DOTNET_gcServer"] = "0";
        }

        foreach (var (key, value) in startInfo.Environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        StreamWriter? log = null;
        if (startInfo.LogPath is { } logPath && capture)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
            log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            log.WriteLine();
            log.WriteLine($"==== {(timeProvider ?? TimeProvider.System).GetUtcNow():u} starting {startInfo.Name}: dotnet {startInfo.AssemblyPath} {string.Join(' ', startInfo.Arguments)}");
        }

        var process = new Process { StartInfo = info };
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            log?.Dispose();
            throw;
        }

        var service = new ServiceProcess(startInfo, process, log);
        if (capture)
        {
            process.OutputDataReceived += (_, e) => service.Append(e.Data);
            process.ErrorDataReceived += (_, e) => service.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        // Only now: waiting for the exit also waits for the output that is being read.
        service.Exited = service.WaitForExitAsync();
        return service;
    }

    /// <summary>Sends <paramref name="signal"/> (<see cref="PosixSignals"/>); false when the process is gone.</summary>
    public bool Signal(int signal) => PosixSignals.Send(_process.Id, signal);

    /// <summary>Polls <paramref name="url"/> until it answers 2xx, the process exits, or <paramref name="timeout"/> passes.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public async Task<ReadinessOutcome> WaitForReadyAsync(HttpClient http, Uri url, TimeSpan timeout, TimeProvider timeProvider, CancellationToken cancellationToken, TimeSpan? pollInterval = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var started = timeProvider.GetTimestamp();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (Exited.IsCompleted || _process.HasExited)
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
                using var response = await http.GetAsync(url, attempt.Token);
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

            await Task.WhenAny(Exited, Task.Delay(pollInterval ?? s_defaultPollInterval, timeProvider, cancellationToken));
        }
    }

    /// <summary>Polls <paramref name="url"/> until it answers 2xx, or throws with the process's output.</summary>
    /// <exception cref="InvalidOperationException">The process exited first.</exception>
    /// <exception cref="TimeoutException">It did not answer within <paramref name="timeout"/>.</exception>
    public async Task WaitForOkAsync(string url, TimeSpan timeout, CancellationToken cancellationToken, TimeSpan? pollInterval = null)
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var outcome = await WaitForReadyAsync(http, new Uri(url), timeout, TimeProvider.System, cancellationToken, pollInterval);
        if (outcome == ReadinessOutcome.Exited)
        {
            var code = await Exited;
            throw new InvalidOperationException($"{Name} exited with code {code} before {url} answered.\n{Output}");
        }

        if (outcome == ReadinessOutcome.TimedOut)
        {
            throw new TimeoutException($"{Name}: {url} did not answer 200 within {timeout}.\n{Output}");
        }
    }

    /// <summary>SIGTERM, then waits up to <paramref name="grace"/> (10 s by default) and kills the process tree. Returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan? grace = null)
    {
        StopRequested = true;
        if (!Exited.IsCompleted)
        {
            if (!Signal(PosixSignals.SigTerm))
            {
                Kill();
            }

            if (await Task.WhenAny(Exited, Task.Delay(grace ?? TimeSpan.FromSeconds(10))) != Exited)
            {
                Kill();
            }
        }

        return await Exited;
    }

    /// <summary>SIGKILL to the process tree: a crash, with no chance to clean up.</summary>
    public async Task KillAsync()
    {
        if (!Exited.IsCompleted)
        {
            Kill();
        }

        await Exited;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        if (_log is not null)
        {
            await _log.DisposeAsync();
        }
    }

    private void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It exited in the meantime.
        }
    }

    private async Task<int> WaitForExitAsync()
    {
        // With redirected output this also waits until the output is read to the end.
        await _process.WaitForExitAsync(CancellationToken.None);
        return _process.ExitCode;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > KeptLines && _output.TryDequeue(out _))
        {
        }

        if (_log is not null)
        {
            lock (_logLock)
            {
                _log.WriteLine(line);
            }
        }
    }
}
