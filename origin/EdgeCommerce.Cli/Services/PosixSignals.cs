using System.Runtime.InteropServices;

namespace EdgeCommerce.Cli.Services;

/// <summary>Sends POSIX signals: .NET can only SIGKILL a child, and a graceful stop needs SIGTERM.</summary>
internal static partial class PosixSignals
{
    public const int SigTerm = 15;

    /// <summary>Sends <paramref name="signal"/>; false when the process is gone or the platform has no signals.</summary>
    public static bool Send(int processId, int signal)
        => !OperatingSystem.IsWindows() && SysKill(processId, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int sig);
}
