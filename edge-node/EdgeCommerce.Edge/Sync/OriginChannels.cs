using EdgeCommerce.Contracts.Sync;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
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
    private readonly GrpcChannel[] _inventory;

    public OriginChannels(IOptions<SyncOptions> options, SyncCredentials credentials)
        : this(options, credentials, CreateHandler(options.Value), ownsHandler: true)
    {
    }

    /// <summary>For testing: every channel sends through <paramref name="handler"/> (a TestServer's), which the caller disposes.</summary>
    internal OriginChannels(IOptions<SyncOptions> options, SyncCredentials credentials, HttpMessageHandler handler)
        : this(options, credentials, handler, ownsHandler: false)
    {
    }

    private OriginChannels(IOptions<SyncOptions> options, SyncCredentials credentials, HttpMessageHandler handler, bool ownsHandler)
    {
        Addresses = options.Value.AllOriginAddresses();
        InventoryAddresses = options.Value.AllInventoryAddresses();
        Credentials = credentials;
        _handler = handler;
        _ownsHandler = ownsHandler;
        var callCredentials = credentials.ToCallCredentials();
        _channels = [.. Addresses.Select(address => Open(address, callCredentials))];
        // The same channels when inventory goes where sync does (no relay): one connection per origin.
        _inventory = [.. InventoryAddresses.Select(address => IndexOf(Addresses, address) is >= 0 and var index ? _channels[index] : Open(address, callCredentials))];
    }

    /// <summary>The sync addresses, in order: a relay first when the edge is behind one, then the fallbacks.</summary>
    public IReadOnlyList<Uri> Addresses { get; }

    /// <summary>The origin replicas inventory and event calls go to (<see cref="SyncOptions.AllInventoryAddresses"/>).</summary>
    public IReadOnlyList<Uri> InventoryAddresses { get; }

    private static int IndexOf(IReadOnlyList<Uri> addresses, Uri address)
    {
        for (var i = 0; i < addresses.Count; i++)
        {
            if (addresses[i] == address)
            {
                return i;
            }
        }

        return -1;
    }

    private GrpcChannel Open(Uri address, CallCredentials callCredentials)
        => GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = _handler,
            DisposeHttpClient = false,
            // Protocol 1 snapshots are one message; protocol 2 chunks them (1 MiB by default).
            MaxReceiveMessageSize = 256 * 1024 * 1024,
            Credentials = CredentialsFor(address, callCredentials),
            UnsafeUseInsecureChannelCallCredentials = address.Scheme == Uri.UriSchemeHttp && SyncOptions.MayCarryToken(address),
        });

    /// <summary>The token every call presents (renewed by the sync stream).</summary>
    public SyncCredentials Credentials { get; }

    /// <summary>
    /// TLS with the token; cleartext with the token only to loopback (the local demo); any other
    /// cleartext address gets no token at all. Options validation refuses such an address at start,
    /// so this last case is a second lock, not a mode.
    /// </summary>
    private static ChannelCredentials CredentialsFor(Uri address, CallCredentials token)
        => address.Scheme == Uri.UriSchemeHttps ? ChannelCredentials.Create(ChannelCredentials.SecureSsl, token)
            : SyncOptions.MayCarryToken(address) ? ChannelCredentials.Create(ChannelCredentials.Insecure, token)
            : ChannelCredentials.Insecure;

    public CatalogSync.CatalogSyncClient Client(int index) => new(_channels[index]);

    /// <summary>The drop inventory client of inventory address <paramref name="index"/> (the same token as the sync stream).</summary>
    public DropInventory.DropInventoryClient Inventory(int index) => new(_inventory[index]);

    /// <summary>The interaction intake on inventory address <paramref name="index"/> (the origin, never a relay).</summary>
    public EdgeEvents.EdgeEventsClient EventsClient(int index) => new(_inventory[index]);

    public void Dispose()
    {
        foreach (var channel in _channels.Union(_inventory))
        {
            channel.Dispose();
        }

        if (_ownsHandler)
        {
            _handler.Dispose();
        }
    }

    private static SocketsHttpHandler CreateHandler(SyncOptions options)
    {
        var handler = new SocketsHttpHandler
        {
            // HTTP/2 pings find a dead link long before TCP would; the idle timeout is the backstop.
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            EnableMultipleHttp2Connections = true,
        };
        if (options.TrustedCertificatePath is { Length: > 0 } path)
        {
            // The usual validation (chain and host name) against this one root instead of the system store.
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.Add(X509CertificateLoader.LoadCertificateFromFile(path));
            handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        }

        return handler;
    }
}
