using System.Security.Cryptography;
using EdgeCommerce.Contracts.Sync;
using Microsoft.IdentityModel.Tokens;

namespace EdgeCommerce.ServiceDefaults.Authentication;

public static class KeySetExtensions
{
    /// <summary>
    /// Replaces the ring's keys and issuer with <paramref name="keySet"/> (none when null).
    /// Keys that are not valid P-256 public points are left out; returns how many.
    /// </summary>
    public static int Replace(this SigningKeyRing ring, KeySet? keySet)
    {
        ArgumentNullException.ThrowIfNull(ring);
        var keys = new Dictionary<string, SecurityKey>(StringComparer.Ordinal);
        var rejected = 0;
        foreach (var key in keySet?.Keys ?? [])
        {
            if (TryCreate(key, out var securityKey))
            {
                keys[key.Kid] = securityKey;
            }
            else
            {
                rejected++;
            }
        }

        ring.Replace(keySet?.Issuer ?? "", keys);
        return rejected;
    }

    /// <summary>An ECDSA P-256 verification key from its public point, or false when the point is not on the curve.</summary>
    public static bool TryCreate(PublicKey key, out SecurityKey securityKey)
    {
        ArgumentNullException.ThrowIfNull(key);
        securityKey = null!;
        if (key.Kid.Length is 0 or > 128 || key.X.Length != 32 || key.Y.Length != 32)
        {
            return false;
        }

        try
        {
            var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = key.X.ToByteArray(), Y = key.Y.ToByteArray() },
            });
            securityKey = new ECDsaSecurityKey(ecdsa) { KeyId = key.Kid };
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
