using System.Diagnostics;

namespace EdgeCommerce.Cli.Services;

/// <summary>
/// A service running as a child process: <c>dotnet X.dll ...</c>, its output appended to a log
/// file (or left on the console), stopped with SIGTERM and, past a grace period, killed.
/// </summary>
internal sealed class ChildService : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter? _log;
    private readonly Lock _logLock = new();

    private ChildService(ServiceDefinition definition, Process process, StreamWriter? log)
    {
        Definition = definition;
        _process = process;
        _log = log;
    }

    public ServiceDefinition Definition { get; }

    public string Name => Definition.Name;

    public int ProcessId => _process.Id;

    /// <summary>Completes with the exit code once the process has exited and its output is written.</summary>
    public Task<int> Exited { get; private set; } = Task.FromResult(-1);

    /// <summary>True once <see cref="StopAsync"/> was called: an exit after that is expected.</summary>
    public bool StopRequested { get; private set; }

    /// <summary>
    /// Starts the service. With <paramref name="logPath"/>, its stdout and stderr are appended to that
    /// file; without, it shares this process's console (for the foreground verbs).
    /// </summary>
    public static ChildService Start(ServiceDefinition definition, string? logPath, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(definition);
        ArgumentNullException.ThrowIfNull(timeProvider);

        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            WorkingDirectory = definition.WorkingDirectory,
            RedirectStandardOutput = logPath is not null,
            RedirectStandardError = logPath is not null,
            // Logged services get no terminal at all: a child that inherits it makes .NET switch the
            // terminal's modes back and forth (escape sequences on screen). Ctrl-C still reaches them,
            // through the process group.
            RedirectStandardInput = logPath is not null,
        };
        info.ArgumentList.Add(definition.AssemblyPath);
        foreach (var argument in definition.Arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        // Several services share a developer machine: workstation GC keeps each one small, unless
        // the caller chose otherwise.
        if (Environment.GetEnvironmentVariable("DOTNET_gcServer") is null)
        {
            info.Environment["DOTNET_gcServer"] = "0";
        }

        Directory.CreateDirectory(definition.DataDirectory);
        StreamWriter? log = null;
        if (logPath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
            log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
            log.WriteLine();
            log.WriteLine($"==== {timeProvider.GetUtcNow():u} starting {definition.Name}: dotnet {definition.AssemblyPath} {string.Join(' ', definition.Arguments)}");
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

        var child = new ChildService(definition, process, log);
        if (log is not null)
        {
            process.OutputDataReceived += (_, e) => child.WriteLog(e.Data);
            process.ErrorDataReceived += (_, e) => child.WriteLog(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        // Only now: waiting for the exit also waits for the output that is being read.
        child.Exited = child.WaitForExitAsync();
        return child;
    }

    /// <summary>Sends SIGTERM, waits up to <paramref name="grace"/>, then kills the process tree. Returns the exit code.</summary>
    public async Task<int> StopAsync(TimeSpan grace)
    {
        StopRequested = true;
        if (!Exited.IsCompleted)
        {
            if (!PosixSignals.Send(_process.Id, PosixSignals.SigTerm))
            {
                Kill();
            }

            if (await Task.WhenAny(Exited, Task.Delay(grace)) != Exited)
            {
                Kill();
            }
        }

        return await Exited;
    }

    public async ValueTask DisposeAsync()
    {
        if (!Exited.IsCompleted)
        {
            Kill();
        }

        await Exited;
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

    private void WriteLog(string? line)
    {
        if (line is null || _log is null)
        {
            return;
        }

        lock (_logLock)
        {
            _log.WriteLine(line);
        }
    }
}
