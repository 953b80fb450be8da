using EdgeCommerce.ServiceDefaults.Authentication;
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
    /// <summary>The token to present now; null when none is configured (the origin then refuses the call).</summary>
    public string? Current()
    {
        var configured = options.Value;
        return configured.TokenPath is { Length: > 0 } path ? SecretFile.TryRead(path) : configured.Token;
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
