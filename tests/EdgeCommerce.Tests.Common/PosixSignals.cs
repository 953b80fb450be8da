using System.Runtime.InteropServices;

namespace EdgeCommerce.Tests.Common;

/// <summary>Sends POSIX signals: .NET can only SIGKILL a child; a graceful stop needs SIGTERM.</summary>
public static partial class PosixSignals
{
    public const int SigTerm = 15;
    public const int SigInt = 2;

    /// <summary>Freezes a process (it cannot be caught): alive, connections open, answering nothing. A hung origin.</summary>
    public const int SigStop = 19;

    /// <summary>Thaws a process frozen by <see cref="SigStop"/>.</summary>
    public const int SigCont = 18;

    public static bool Send(int processId, int signal) => SysKill(processId, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int sig);
}
