using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using EdgeCommerce.ServiceDefaults.Authentication;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

public sealed class EcdsaSignatureTests
{
    [Fact]
    public void ToLowS_TurnsAHighSSignatureIntoItsCanonicalTwin_ThatStillVerifies()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var signingInput = $"{TokenFactory.Encode("{\"alg\":\"ES256\"}")}.{TokenFactory.Encode("{}")}";
        var data = Encoding.ASCII.GetBytes(signingInput);

        // ECDSA's s is uniformly spread: one of 64 signatures is high-S but for a chance of 2^-64.
        var high = Enumerable.Range(0, 64)
            .Select(_ => $"{signingInput}.{Base64Url.EncodeToString(key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation))}")
            .First(token => !EcdsaSignature.IsCanonical(TokenFactory.SignaturePart(token)));

        var low = EcdsaSignature.ToLowS(high);

        Assert.NotEqual(high, low);
        Assert.True(EcdsaSignature.IsCanonical(TokenFactory.SignaturePart(low)));
        Assert.True(key.VerifyData(data, Base64Url.DecodeFromChars(TokenFactory.SignaturePart(low)), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        Assert.Equal(low, EcdsaSignature.ToLowS(low));
    }

    [Theory]
    [InlineData("")]
    [InlineData("AAAA")]
    [InlineData("A")]
    public void IsCanonical_RefusesAnythingButSixtyFourBytes(string part) => Assert.False(EcdsaSignature.IsCanonical(part));
}
