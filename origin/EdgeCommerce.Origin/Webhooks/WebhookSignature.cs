using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EdgeCommerce.Origin.Webhooks;

/// <summary>
/// Signing per the Standard Webhooks specification, so receivers verify with any of its libraries
/// (or Svix's) unchanged: the secret is <c>whsec_</c> + base64 of the key bytes, and a delivery
/// carries <c>webhook-id</c>, <c>webhook-timestamp</c> (Unix seconds) and <c>webhook-signature:
/// v1,&lt;base64 HMAC-SHA256 of "{id}.{timestamp}.{body}"&gt;</c>.
/// </summary>
internal static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";

    /// <summary>Key sizes accepted in a creator's secret: 24 to 64 bytes (Svix issues 24; 32 is HMAC-SHA256's block-friendly size).</summary>
    public const int MinKeyBytes = 24;

    public const int MaxKeyBytes = 64;

    /// <summary>A new secret with a 32-byte random key.</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The key bytes of a <c>whsec_…</c> secret; null when it is not one (or its key is too short or long).</summary>
    public static byte[]? KeyOf(string secret)
    {
        if (secret is null || !secret.StartsWith(SecretPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var encoded = secret[SecretPrefix.Length..];
        var buffer = new byte[(encoded.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(encoded, buffer, out var written) && written is >= MinKeyBytes and <= MaxKeyBytes ? buffer[..written] : null;
    }

    /// <summary>The <c>webhook-signature</c> header's value for one attempt.</summary>
    public static string Sign(string secret, string messageId, long timestamp, string body)
    {
        var key = KeyOf(secret) ?? throw new ArgumentException("Not a whsec_ secret.", nameof(secret));
        var content = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{messageId}.{timestamp}.{body}"));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }
}
