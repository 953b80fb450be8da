using System.Buffers;
using System.Buffers.Text;
using System.Numerics;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// ES256 signatures in their one canonical form. Every ECDSA signature (r, s) has a twin
/// (r, n - s) that verifies just as well, so a third party can turn any valid token into a
/// second, different valid token (a different cache key, a different digest in a log or a
/// replay filter). The origin signs only with the low half (s ≤ n/2, as Bitcoin's BIP 62 does)
/// and validators refuse the high half before verifying.
/// </summary>
public static class EcdsaSignature
{
    /// <summary>An ES256 signature: r || s, 32 bytes each (IEEE P1363), base64url without padding.</summary>
    private const int Length = 64;
    private const int EncodedLength = 86;

    // P-256 group order n, and n / 2 rounded down (n is odd).
    private static readonly byte[] s_order = Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
    private static readonly byte[] s_halfOrder = Convert.FromHexString("7FFFFFFF800000007FFFFFFFFFFFFFFFDE737D56D38BCF4279DCE5617E3192A8");

    /// <summary>
    /// True when <paramref name="encodedSignature"/> (a compact token's third part) decodes to
    /// exactly 64 bytes whose s is in the low half. Allocates nothing.
    /// </summary>
    public static bool IsCanonical(ReadOnlySpan<char> encodedSignature)
    {
        if (encodedSignature.Length != EncodedLength)
        {
            return false;
        }

        Span<byte> signature = stackalloc byte[Length];
        return Base64Url.DecodeFromChars(encodedSignature, signature, out _, out var written) == OperationStatus.Done
            && written == Length
            && signature[32..].SequenceCompareTo(s_halfOrder) <= 0;
    }

    /// <summary>
    /// <paramref name="compactToken"/> with its signature moved to the low half when it is in the
    /// high one (s replaced by n - s: the same signature for every verifier). For whoever mints.
    /// </summary>
    public static string ToLowS(string compactToken)
    {
        ArgumentNullException.ThrowIfNull(compactToken);
        var dot = compactToken.LastIndexOf('.');
        var signature = Base64Url.DecodeFromChars(compactToken.AsSpan(dot + 1));
        if (signature.Length != Length)
        {
            throw new ArgumentException("Not an ES256 signature.", nameof(compactToken));
        }

        if (signature.AsSpan(32).SequenceCompareTo(s_halfOrder) <= 0)
        {
            return compactToken;
        }

        var order = new BigInteger(s_order, isUnsigned: true, isBigEndian: true);
        var s = new BigInteger(signature.AsSpan(32), isUnsigned: true, isBigEndian: true);
        var low = (order - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        signature.AsSpan(32).Clear();
        low.CopyTo(signature.AsSpan(Length - low.Length));
        return string.Concat(compactToken.AsSpan(0, dot + 1), Base64Url.EncodeToString(signature));
    }
}
