using Microsoft.IdentityModel.Tokens;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>
/// Counts signature verifiers handed out (one per signature check IdentityModel performs) and
/// can run <see cref="OnVerify"/> right then, to change the world in the middle of a validation.
/// </summary>
internal sealed class CountingCryptoProviderFactory : CryptoProviderFactory
{
    private int _verifiers;

    public int Verifiers => Volatile.Read(ref _verifiers);

    public Action? OnVerify { get; set; }

    // The two-argument overload forwards here, so this one sees every verifier.
    public override SignatureProvider CreateForVerifying(SecurityKey key, string algorithm, bool cacheProvider)
    {
        Interlocked.Increment(ref _verifiers);
        OnVerify?.Invoke();
        return base.CreateForVerifying(key, algorithm, cacheProvider);
    }
}
