using System.Threading.Channels;
using Grpc.Core;

namespace EdgeCommerce.Origin.Tests.Infrastructure;

/// <summary>A response stream that keeps what is written, for driving a sync session without a server.</summary>
internal sealed class ChannelStreamWriter<T> : IServerStreamWriter<T>
{
    private readonly Channel<T> _written = Channel.CreateUnbounded<T>();

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _written.Writer.TryWrite(message);
        return Task.CompletedTask;
    }

    /// <summary>The next message written, waiting for it.</summary>
    public ValueTask<T> NextAsync(CancellationToken cancellationToken) => _written.Reader.ReadAsync(cancellationToken);

    /// <summary>Whether a message is already waiting.</summary>
    public bool HasPending => _written.Reader.TryPeek(out _);
}
