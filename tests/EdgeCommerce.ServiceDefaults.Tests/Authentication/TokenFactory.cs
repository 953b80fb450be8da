using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>
/// Mints access tokens with a real ES256 (P-256) key, two ways: <see cref="Mint"/> goes through
/// <see cref="JsonWebTokenHandler"/> exactly as the origin would, and the raw builder
/// (<see cref="Sign(string, string)"/>, <see cref="Assemble"/>) puts header.payload.signature
/// together by hand so malformed and adversarial tokens can be crafted byte for byte.
/// </summary>
internal sealed class TokenFactory : IDisposable
{
    public const string Issuer = "https://origin.edgecommerce.test";
    public const string DefaultKeyId = "key-2025-01";
    public const string CreatorA = "creator-a";
    public const string CreatorB = "creator-b";

    private static readonly JsonWebTokenHandler s_handler = new() { SetDefaultTimesOnTokenCreation = false };

    public TokenFactory(string keyId = DefaultKeyId)
    {
        KeyId = keyId;
        Ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        SigningKey = new ECDsaSecurityKey(Ecdsa) { KeyId = keyId };
        PublicEcdsa = ECDsa.Create(Ecdsa.ExportParameters(includePrivateParameters: false));
        PublicKey = new ECDsaSecurityKey(PublicEcdsa) { KeyId = keyId };
    }

    public string KeyId { get; }

    /// <summary>The private key (signs).</summary>
    public ECDsa Ecdsa { get; }

    public ECDsaSecurityKey SigningKey { get; }

    /// <summary>The public half only, as the ring holds it.</summary>
    public ECDsaSecurityKey PublicKey { get; }

    private ECDsa PublicEcdsa { get; }

    /// <summary>The ring's content for this key alone.</summary>
    public Dictionary<string, SecurityKey> Ring => new(StringComparer.Ordinal) { [KeyId] = PublicKey };

    /// <summary>A good token through <see cref="JsonWebTokenHandler"/>; null arguments leave the claim out.</summary>
    public string Mint(
        DateTimeOffset now,
        string? creator = CreatorA,
        string scope = Scopes.RecommendationsRead,
        string audience = Audiences.Edge,
        string issuer = Issuer,
        string subject = "viewer-1",
        string? tier = "gold",
        TimeSpan? lifetime = null)
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

        var descriptor = new SecurityTokenDescriptor
        {
            TokenType = "at+jwt",
            Issuer = issuer,
            Audience = audience,
            IssuedAt = now.UtcDateTime,
            NotBefore = now.UtcDateTime,
            Expires = (now + (lifetime ?? TimeSpan.FromMinutes(10))).UtcDateTime,
            Claims = claims,
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.EcdsaSha256),
        };
        return EcdsaSignature.ToLowS(s_handler.CreateToken(descriptor));
    }

    /// <summary>The header a good token carries: <c>{"alg":"ES256","typ":"at+jwt","kid":…}</c>.</summary>
    public JsonObject Header() => new() { ["alg"] = "ES256", ["typ"] = "at+jwt", ["kid"] = KeyId };

    /// <summary>The payload a good token carries, valid for ten minutes from <paramref name="now"/>.</summary>
    public static JsonObject Payload(DateTimeOffset now) => new()
    {
        ["iss"] = Issuer,
        ["aud"] = Audiences.Edge,
        ["sub"] = "viewer-1",
        ["creator"] = CreatorA,
        ["scope"] = Scopes.RecommendationsRead,
        ["tier"] = "gold",
        ["jti"] = Guid.NewGuid().ToString("N"),
        ["iat"] = now.ToUnixTimeSeconds(),
        ["nbf"] = now.ToUnixTimeSeconds(),
        ["exp"] = now.ToUnixTimeSeconds() + 600,
    };

    /// <summary>A good token from the raw builder.</summary>
    public string Raw(DateTimeOffset now) => Sign(Header(), Payload(now));

    public string Sign(JsonObject header, JsonObject payload) => Sign(header.ToJsonString(), payload.ToJsonString());

    /// <summary>ES256 over exactly these JSON texts: base64url(header).base64url(payload).base64url(IEEE P1363 r||s).</summary>
    public string Sign(string headerJson, string payloadJson) => SignWith(Ecdsa, headerJson, payloadJson);

    /// <summary>Signs with any ECDSA key (SHA-256, IEEE P1363, low-S as the origin signs), whatever the header claims.</summary>
    public static string SignWith(ECDsa key, string headerJson, string payloadJson)
    {
        var signingInput = $"{Encode(headerJson)}.{Encode(payloadJson)}";
        var signature = key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return EcdsaSignature.ToLowS($"{signingInput}.{Base64Url.EncodeToString(signature)}");
    }

    /// <summary>Puts a token together with a given signature part (already encoded, may be empty or garbage).</summary>
    public static string Assemble(string headerJson, string payloadJson, string signaturePart)
        => $"{Encode(headerJson)}.{Encode(payloadJson)}.{signaturePart}";

    /// <summary>The signing input of a token assembled from these JSON texts.</summary>
    public static byte[] SigningInput(string headerJson, string payloadJson)
        => Encoding.ASCII.GetBytes($"{Encode(headerJson)}.{Encode(payloadJson)}");

    public static string Encode(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

    public static string Encode(ReadOnlySpan<byte> bytes) => Base64Url.EncodeToString(bytes);

    /// <summary>The signature part of a compact token: what must never show up in a log or a response.</summary>
    public static string SignaturePart(string token) => token[(token.LastIndexOf('.') + 1)..];

    public void Dispose()
    {
        Ecdsa.Dispose();
        PublicEcdsa.Dispose();
    }
}
