using EdgeCommerce.Contracts;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// The edge's <c>edge:sync</c> token for the origin: from <c>Sync:Token</c>, or read from
/// <c>Sync:TokenPath</c> at every call, so an operator can replace the file without a restart. It
/// rides on every call to the origin as call credentials and is never logged.
/// </summary>
internal sealed class SyncCredentials(IOptions<SyncOptions> options)
{
    private volatile string? _renewed;

    /// <summary>The token to present now; null when none is configured (the origin then refuses the call).</summary>
    public string? Current()
    {
        var configured = options.Value;
        return configured.TokenPath is { Length: > 0 } path ? SecretFile.TryRead(path) : _renewed ?? configured.Token;
    }

    /// <summary>
    /// Takes a token the origin renewed on the stream: written over <c>Sync:TokenPath</c> (so a
    /// restart presents it too), or kept in memory when the token came from configuration.
    /// </summary>
    public async Task RenewAsync(string token, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        if (options.Value.TokenPath is { Length: > 0 } path)
        {
            await SecretFile.WriteAsync(path, token, cancellationToken);
        }
        else
        {
            _renewed = token;
        }
    }

    /// <summary>Adds <c>authorization: Bearer</c> to every call on a channel.</summary>
    public CallCredentials ToCallCredentials() => CallCredentials.FromInterceptor((_, metadata) =>
    {
        if (Current() is { } token)
        {
            metadata.Add("authorization", "Bearer " + token);
        }

        return Task.CompletedTask;
    });
}
