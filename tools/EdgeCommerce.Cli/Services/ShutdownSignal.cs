using System.Runtime.InteropServices;

namespace EdgeCommerce.Cli.Services;

/// <summary>
/// Turns SIGINT (Ctrl-C) and SIGTERM into a cancellation token instead of ending the process, so
/// that a verb can stop its children before it exits.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _requested = new();
    private readonly PosixSignalRegistration[] _registrations;

    public ShutdownSignal()
    {
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
        ];
    }

    /// <summary>Cancelled once a stop was asked for.</summary>
    public CancellationToken Token => _requested.Token;

    /// <summary>The signal that asked for the stop, or null.</summary>
    public PosixSignal? Signal { get; private set; }

    /// <summary>Asks for a stop from code, as a signal would.</summary>
    public void Request() => _requested.Cancel();

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _requested.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the process alive: the verb stops its children and returns its own exit code.
        context.Cancel = true;
        Signal ??= context.Signal;
        _requested.Cancel();
    }
}
