using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Origin.Keys;

/// <summary>Loads (or creates) the signing keys before requests are served, writes the bootstrap token, and sweeps retired keys.</summary>
internal sealed class KeyMaintenance(
    SigningKeyManager keys,
    AccessTokenIssuer issuer,
    IOptions<KeysOptions> options,
    IOptions<AccessTokenOptions> tokenOptions,
    TimeProvider timeProvider,
    ILogger<KeyMaintenance> logger) : BackgroundService
{
    /// <summary>Every admin scope: what a platform operator's token carries.</summary>
    public static readonly string[] PlatformScopes = [Scopes.AdminPlatform, Scopes.AdminCatalog, Scopes.AdminDrops, Scopes.AdminModels, Scopes.AdminKeys, Scopes.AdminViewers];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await keys.InitializeAsync(cancellationToken);
        if (options.Value.BootstrapTokenPath is { Length: > 0 } path)
        {
            var (token, _) = await issuer.MintAsync(new TokenRequest("platform-operator", null, PlatformScopes, tokenOptions.Value.MaxLifetime, Audiences.Origin), cancellationToken);
            var full = Path.GetFullPath(path);
            await SecretFile.WriteAsync(full, token, cancellationToken);
            KeysLog.BootstrapTokenWritten(logger, full);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await keys.SweepAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    KeysLog.KeySweepFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
