using System.Runtime.InteropServices;

namespace EdgeCommerce.Hosting.Processes;

/// <summary>Sends POSIX signals: .NET can only SIGKILL a child; a graceful stop needs SIGTERM, a hung process SIGSTOP.</summary>
public static partial class PosixSignals
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    /// <summary>Thaws a process frozen by <see cref="SigStop"/>.</summary>
    public const int SigCont = 18;

    /// <summary>Freezes a process (it cannot be caught): alive, connections open, answering nothing. A hung service.</summary>
    public const int SigStop = 19;

    /// <summary>Sends <paramref name="signal"/>; false when the process is gone or the platform has no signals.</summary>
    public static bool Send(int processId, int signal)
        => !OperatingSystem.IsWindows() && SysKill(processId, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int sig);
}
