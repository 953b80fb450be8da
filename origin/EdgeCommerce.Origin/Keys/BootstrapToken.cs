using EdgeCommerce.Contracts;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Keys;

/// <summary>
/// The platform operator token in <c>Keys:BootstrapTokenPath</c>: written at startup, and again
/// after a revocation, because a revoked key takes every token it signed with it, the operator's
/// own included; without a fresh one the local admin would be locked out.
/// </summary>
internal sealed class BootstrapToken(
    AccessTokenIssuer issuer,
    IOptions<KeysOptions> options,
    IOptions<AccessTokenOptions> tokenOptions,
    ILogger<BootstrapToken> logger)
{
    /// <summary>Every admin scope: what a platform operator's token carries.</summary>
    public static readonly string[] PlatformScopes = [Scopes.AdminPlatform, Scopes.AdminCatalog, Scopes.AdminDrops, Scopes.AdminModels, Scopes.AdminKeys, Scopes.AdminViewers];

    /// <summary>Mints and writes the token when a path is configured; does nothing otherwise.</summary>
    public async Task WriteIfConfiguredAsync(CancellationToken cancellationToken)
    {
        if (options.Value.BootstrapTokenPath is not { Length: > 0 } path)
        {
            return;
        }

        var (token, _) = await issuer.MintAsync(new TokenRequest("platform-operator", null, PlatformScopes, tokenOptions.Value.MaxLifetime, Audiences.Origin), cancellationToken);
        var full = Path.GetFullPath(path);
        await SecretFile.WriteAsync(full, token, cancellationToken);
        KeysLog.BootstrapTokenWritten(logger, full);
    }
}
