using EdgeCommerce.Contracts.Sync;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// One long-lived gRPC channel per configured origin replica, sharing one HTTP handler, created
/// once and disposed at shutdown. (The gRPC client factory binds one address to a client name;
/// failing over between replicas needs a channel per address, so the channels live here instead,
/// never created per call.)
/// </summary>
internal sealed class OriginChannels : IDisposable
{
    private readonly HttpMessageHandler _handler;
    private readonly bool _ownsHandler;
    private readonly GrpcChannel[] _channels;

    public OriginChannels(IOptions<SyncOptions> options)
        : this(options, CreateHandler(), ownsHandler: true)
    {
    }

    /// <summary>For testing: every channel sends through <paramref name="handler"/> (a TestServer's), which the caller disposes.</summary>
    internal OriginChannels(IOptions<SyncOptions> options, HttpMessageHandler handler)
        : this(options, handler, ownsHandler: false)
    {
    }

    private OriginChannels(IOptions<SyncOptions> options, HttpMessageHandler handler, bool ownsHandler)
    {
        Addresses = options.Value.AllOriginAddresses();
        _handler = handler;
        _ownsHandler = ownsHandler;
        _channels = Addresses
            .Select(address => GrpcChannel.ForAddress(address, new GrpcChannelOptions
            {
                HttpHandler = _handler,
                DisposeHttpClient = false,
                // Protocol 1 snapshots are one message; protocol 2 chunks them (1 MiB by default).
                MaxReceiveMessageSize = 256 * 1024 * 1024,
            }))
            .ToArray();
    }

    public IReadOnlyList<Uri> Addresses { get; }

    public CatalogSync.CatalogSyncClient Client(int index) => new(_channels[index]);

    /// <summary>The drop inventory client on the same channel (and so the same credentials) as the sync stream.</summary>
    public DropInventory.DropInventoryClient Inventory(int index) => new(_channels[index]);

    public void Dispose()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        if (_ownsHandler)
        {
            _handler.Dispose();
        }
    }

    private static SocketsHttpHandler CreateHandler() => new()
    {
        // HTTP/2 pings find a dead link long before TCP would; the idle timeout is the backstop.
        KeepAlivePingDelay = TimeSpan.FromSeconds(5),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        EnableMultipleHttp2Connections = true,
    };
}
