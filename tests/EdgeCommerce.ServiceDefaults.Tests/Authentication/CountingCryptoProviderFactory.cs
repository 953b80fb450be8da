using Microsoft.IdentityModel.Tokens;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>Counts signature verifiers handed out: one per signature check IdentityModel performs.</summary>
internal sealed class CountingCryptoProviderFactory : CryptoProviderFactory
{
    private int _verifiers;

    public int Verifiers => Volatile.Read(ref _verifiers);

    // The two-argument overload forwards here, so this one sees every verifier.
    public override SignatureProvider CreateForVerifying(SecurityKey key, string algorithm, bool cacheProvider)
    {
        Interlocked.Increment(ref _verifiers);
        return base.CreateForVerifying(key, algorithm, cacheProvider);
    }
}
