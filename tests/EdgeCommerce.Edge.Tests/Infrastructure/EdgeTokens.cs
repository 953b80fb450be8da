using System.Security.Cryptography;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.ServiceDefaults.Authentication;
using Google.Protobuf;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeCommerce.Edge.Tests.Infrastructure;

/// <summary>A real ES256 signing key whose public half goes into the replica (as the origin's KeySet would), and tokens signed with it.</summary>
internal sealed class EdgeTokens : IDisposable
{
    public const string Issuer = "https://origin.edgecommerce.test";
    public const string KeyId = "edge-test-key";

    private static readonly JsonWebTokenHandler s_handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public KeySet KeySet
    {
        get
        {
            var parameters = _key.ExportParameters(includePrivateParameters: false);
            var set = new KeySet { Issuer = Issuer };
            set.Keys.Add(new PublicKey { Kid = KeyId, X = ByteString.CopyFrom(parameters.Q.X), Y = ByteString.CopyFrom(parameters.Q.Y) });
            return set;
        }
    }

    public string Mint(DateTimeOffset now, string? creator, string scope = Scopes.RecommendationsRead, string subject = "viewer-1", string? tier = null)
    {
        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            ["sub"] = subject,
            ["scope"] = scope,
            ["jti"] = Guid.NewGuid().ToString("N"),
        };
        if (creator is not null)
        {
            claims["creator"] = creator;
        }

        if (tier is not null)
        {
            claims["tier"] = tier;
        }

        var whole = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        return EcdsaSignature.ToLowS(s_handler.CreateToken(new SecurityTokenDescriptor
        {
            TokenType = "at+jwt",
            Issuer = Issuer,
            Audience = Audiences.Edge,
            IssuedAt = whole.UtcDateTime,
            NotBefore = whole.UtcDateTime,
            Expires = (whole + TimeSpan.FromMinutes(10)).UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new ECDsaSecurityKey(_key) { KeyId = KeyId }, SecurityAlgorithms.EcdsaSha256),
        }));
    }

    public void Dispose() => _key.Dispose();
}
