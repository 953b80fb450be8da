using Grpc.Core;

namespace EdgeCommerce.Origin.Edges;

/// <summary>
/// One open sync stream as the registry holds it, so something other than the stream itself can
/// end it with a status: a revocation (<c>PERMISSION_DENIED</c>), a newer stream of the same edge
/// (<c>ABORTED</c>), a protocol violation (<c>INVALID_ARGUMENT</c>). The first reason wins.
/// </summary>
internal sealed class EdgeStream : IDisposable
{
    private readonly CancellationTokenSource _ended = new();
    private RpcException? _reason;

    /// <summary>Cancelled once <see cref="End"/> was called.</summary>
    public CancellationToken Ended => _ended.Token;

    /// <summary>Why the stream was ended (what the call answers), or null while it is open.</summary>
    public RpcException? Reason => Volatile.Read(ref _reason);

    /// <summary>Ends the stream with <paramref name="code"/>; later calls change nothing.</summary>
    public void End(StatusCode code, string detail)
    {
        if (Interlocked.CompareExchange(ref _reason, new RpcException(new Status(code, detail)), null) is not null)
        {
            return;
        }

        try
        {
            _ended.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The stream already finished.
        }
    }

    public void Dispose() => _ended.Dispose();
}
