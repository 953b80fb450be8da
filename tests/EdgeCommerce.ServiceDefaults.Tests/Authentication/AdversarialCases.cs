using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.Primitives;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>What a probe must answer.</summary>
internal enum Expected
{
    /// <summary>200.</summary>
    Ok,

    /// <summary>401 with the one fixed body and <c>WWW-Authenticate: Bearer</c>.</summary>
    Unauthorized,

    /// <summary>403 with the one fixed body and <c>insufficient_scope</c>.</summary>
    Forbidden,

    /// <summary>404, byte for byte the answer for a creator that does not exist.</summary>
    HiddenCreator,
}

/// <summary>One request of the adversarial suite.</summary>
internal sealed record ProbeCase(string Path, Expected Expected, StringValues Authorization, string? Token, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// The adversarial suite, by name. Each case builds its request against a running
/// <see cref="AuthProbeHost"/> (its key, its clock). Decisions the cases pin down:
/// the scheme name is matched case-insensitively (RFC 7235 §2.1: "bearer" and "BEARER" work);
/// exactly one space separates scheme and token (RFC 6750 allows 1*SP, no client of ours sends more);
/// <c>typ</c> must be exactly <c>at+jwt</c>, ordinal (IdentityModel's ValidTypes check is ordinal too,
/// see <see cref="AccessTokenValidatorTests"/>), so <c>at+JWT</c>, <c>JWT</c> and <c>application/at+jwt</c> are refused;
/// a bad token on an anonymous endpoint is ignored (200).
/// </summary>
internal static class AdversarialCases
{
    public const string Recs = "/probe/recs";
    public const string Public = "/public";

    private const string RawLiteral = "RAW-LITERAL-PLACEHOLDER";

    // P-256 group order n: r = s = n is as invalid as r = s = 0.
    private static readonly byte[] s_p256Order = Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

    public static readonly IReadOnlyDictionary<string, Func<AuthProbeHost, ProbeCase>> All = new Dictionary<string, Func<AuthProbeHost, ProbeCase>>(StringComparer.Ordinal)
    {
        // Sanity: the good tokens pass, through both minting paths.
        ["Good_RawBuilder"] = h => Bearer(h.Tokens.Raw(h.Now), Expected.Ok),
        ["Good_JsonWebTokenHandler"] = h => Bearer(h.Tokens.Mint(h.Now), Expected.Ok),

        // The Authorization header itself.
        ["Header_Missing_Protected"] = _ => new ProbeCase(Recs, Expected.Unauthorized, StringValues.Empty, null),
        ["Header_Missing_Public"] = _ => new ProbeCase(Public, Expected.Ok, StringValues.Empty, null),
        ["Header_GarbageToken_Public"] = h => Bearer("not.a.token", Expected.Ok, Public),
        ["Header_Empty"] = _ => new ProbeCase(Recs, Expected.Unauthorized, "", null),
        ["Header_NoScheme"] = h => Raw(h.Tokens.Raw(h.Now), t => t),
        ["Header_Basic"] = h => Raw(null, _ => "Basic dXNlcjpwYXNzd29yZA=="),
        ["Header_BasicWithToken"] = h => Raw(h.Tokens.Raw(h.Now), t => $"Basic {t}"),
        ["Header_OtherScheme"] = h => Raw(h.Tokens.Raw(h.Now), t => $"Token {t}"),
        ["Header_BearerOnly"] = _ => Raw(null, _ => "Bearer"),
        ["Header_BearerSpace"] = _ => Raw(null, _ => "Bearer "),
        ["Header_TwoSpaces"] = h => Raw(h.Tokens.Raw(h.Now), t => $"Bearer  {t}"),
        ["Header_Tab"] = h => Raw(h.Tokens.Raw(h.Now), t => $"Bearer\t{t}"),
        ["Header_TrailingSpace"] = h => Raw(h.Tokens.Raw(h.Now), t => $"Bearer {t} "),
        ["Header_NoSpace"] = h => Raw(h.Tokens.Raw(h.Now), t => $"Bearer{t}"),
        ["Header_TwoAuthorizationLines"] = h =>
        {
            var token = h.Tokens.Raw(h.Now);
            return new ProbeCase(Recs, Expected.Unauthorized, new StringValues([$"Bearer {token}", $"Bearer {token}"]), token);
        },
        ["Header_TwoTokensCommaJoined"] = h => Raw(h.Tokens.Raw(h.Now), t => $"Bearer {t}, Bearer {t}"),
        ["Header_LowercaseScheme_Accepted"] = h => Raw(h.Tokens.Raw(h.Now), t => $"bearer {t}", Expected.Ok),
        ["Header_UppercaseScheme_Accepted"] = h => Raw(h.Tokens.Raw(h.Now), t => $"BEARER {t}", Expected.Ok),

        // Compact shape.
        ["Shape_TwoParts"] = h => Bearer(Drop(h.Tokens.Raw(h.Now), keep: 2), Expected.Unauthorized),
        ["Shape_FourParts"] = h => Bearer(h.Tokens.Raw(h.Now) + ".AAAA", Expected.Unauthorized),
        ["Shape_FiveParts_JweLike"] = h => Bearer(h.Tokens.Raw(h.Now) + ".AAAA.AAAA", Expected.Unauthorized),
        ["Shape_SixParts"] = h => Bearer(h.Tokens.Raw(h.Now) + ".AAAA.AAAA.AAAA", Expected.Unauthorized),
        ["Shape_EmptyHeader"] = h => Bearer(Part(h.Tokens.Raw(h.Now), 0, ""), Expected.Unauthorized),
        ["Shape_EmptyPayload"] = h => Bearer(Part(h.Tokens.Raw(h.Now), 1, ""), Expected.Unauthorized),
        ["Shape_EmptySignature"] = h => Bearer(Part(h.Tokens.Raw(h.Now), 2, ""), Expected.Unauthorized),
        ["Shape_OnlyDots"] = _ => Bearer("..", Expected.Unauthorized),
        ["Shape_GarbageBase64Header"] = h => Bearer(Part(h.Tokens.Raw(h.Now), 0, "!!!*~~"), Expected.Unauthorized),
        ["Shape_PaddedBase64"] = h => Bearer(Part(h.Tokens.Raw(h.Now), 0, TokenFactory.Encode(h.Tokens.Header().ToJsonString()) + "=="), Expected.Unauthorized),
        ["Shape_StandardBase64Alphabet"] = h => Bearer(Part(h.Tokens.Raw(h.Now), 2, "ab+/cd+/"), Expected.Unauthorized),
        ["Shape_Base64LengthOneMod4Signature"] = h => Bearer(Part(h.Tokens.Raw(h.Now), 2, "A"), Expected.Unauthorized),
        ["Shape_Base64LengthOneMod4Header"] = h => Bearer(Part(h.Tokens.Raw(h.Now), 0, "eyJhbGciO"), Expected.Unauthorized),
        ["Shape_NonJsonHeader"] = h => Bearer(Signed(h, "hello", Payload(h)), Expected.Unauthorized),
        ["Shape_NonJsonPayload"] = h => Bearer(Signed(h, Header(h), "not json at all"), Expected.Unauthorized),
        ["Shape_JsonArrayPayload"] = h => Bearer(Signed(h, Header(h), $"[{Payload(h)}]"), Expected.Unauthorized),
        ["Shape_JsonStringHeader"] = h => Bearer(Signed(h, "\"ES256\"", Payload(h)), Expected.Unauthorized),
        ["Shape_InvalidUtf8Payload"] = h =>
        {
            var header = TokenFactory.Encode(Header(h));
            var payload = TokenFactory.Encode([0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D]);
            return Bearer($"{header}.{payload}.{TokenFactory.SignaturePart(h.Tokens.Raw(h.Now))}", Expected.Unauthorized);
        },
        ["Shape_InvalidUtf8HeaderValue"] = h =>
        {
            var header = TokenFactory.Encode([.. "{\"alg\":\"ES256\",\"typ\":\"at+jwt\",\"kid\":\""u8, 0xFF, 0xFE, .. "\"}"u8]);
            var payload = TokenFactory.Encode(Payload(h));
            return Bearer($"{header}.{payload}.{TokenFactory.SignaturePart(h.Tokens.Raw(h.Now))}", Expected.Unauthorized);
        },
        ["Shape_LoneSurrogateKid"] = h => Bearer(Signed(h, """{"alg":"ES256","typ":"at+jwt","kid":"\uDC00"}""", Payload(h)), Expected.Unauthorized),
        ["Shape_LoneSurrogateHeaderMemberName"] = h => Bearer(Signed(h, $$"""{"alg":"ES256","typ":"at+jwt","kid":"{{h.Tokens.KeyId}}","\uD800":1}""", Payload(h)), Expected.Unauthorized),
        ["Shape_LoneSurrogatePayloadMemberName"] = h => Bearer(Signed(h, Header(h), Payload(h)[..^1] + ",\"\\uD800x\":1}"), Expected.Unauthorized),
        ["Shape_LoneSurrogateSub"] = h => Bearer(SignedLiteral(h, "sub", "\"\\uD800\""), Expected.Unauthorized),
        ["Shape_LoneSurrogateAlg"] = h => Bearer(Signed(h, $$"""{"alg":"ES\uD800","typ":"at+jwt","kid":"{{h.Tokens.KeyId}}"}""", Payload(h)), Expected.Unauthorized),
        ["Shape_NonAsciiInToken"] = h => Bearer(h.Tokens.Raw(h.Now) + "\u00E9", Expected.Unauthorized),
        ["Shape_DeeplyNestedClaim"] = h => Bearer(Sign(h, payload: p => p["x"] = JsonNode.Parse(new string('[', 40) + new string(']', 40))), Expected.Unauthorized),

        // Algorithms other than ES256.
        ["Alg_None_Unsigned"] = h => Bearer(TokenFactory.Assemble(Header(h, "none"), Payload(h), ""), Expected.Unauthorized),
        ["Alg_None_WithSignaturePart"] = h => Bearer(TokenFactory.Assemble(Header(h, "none"), Payload(h), "AAAA"), Expected.Unauthorized),
        ["Alg_NoneCapitalized"] = h => Bearer(TokenFactory.Assemble(Header(h, "None"), Payload(h), "AAAA"), Expected.Unauthorized),
        ["Alg_NoneUppercase"] = h => Bearer(TokenFactory.Assemble(Header(h, "NONE"), Payload(h), "AAAA"), Expected.Unauthorized),
        ["Alg_NoneSignedWithRealKey"] = h => Bearer(Signed(h, Header(h, "none"), Payload(h)), Expected.Unauthorized),
        ["Alg_Missing"] = h => Bearer(Sign(h, header: x => x.Remove("alg")), Expected.Unauthorized),
        ["Alg_Lowercase_es256"] = h => Bearer(Sign(h, header: x => x["alg"] = "es256"), Expected.Unauthorized),
        ["Alg_HS256_KeyConfusion_SpkiDer"] = h => Bearer(Hmac(h, h.Tokens.PublicKey.ECDsa.ExportSubjectPublicKeyInfo()), Expected.Unauthorized),
        ["Alg_HS256_KeyConfusion_Pem"] = h => Bearer(Hmac(h, Encoding.ASCII.GetBytes(h.Tokens.PublicKey.ECDsa.ExportSubjectPublicKeyInfoPem())), Expected.Unauthorized),
        ["Alg_HS256_KeyConfusion_Point"] = h =>
        {
            var q = h.Tokens.PublicKey.ECDsa.ExportParameters(false).Q;
            return Bearer(Hmac(h, [0x04, .. q.X!, .. q.Y!]), Expected.Unauthorized);
        },
        ["Alg_RS256"] = h => Bearer(Rsa(h, "RS256", RSASignaturePadding.Pkcs1), Expected.Unauthorized),
        ["Alg_PS256"] = h => Bearer(Rsa(h, "PS256", RSASignaturePadding.Pss), Expected.Unauthorized),
        ["Alg_ES384"] = h =>
        {
            using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
            var header = Header(h, "ES384");
            var payload = Payload(h);
            var signature = p384.SignData(TokenFactory.SigningInput(header, payload), HashAlgorithmName.SHA384, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            return Bearer(TokenFactory.Assemble(header, payload, TokenFactory.Encode(signature)), Expected.Unauthorized);
        },
        ["Alg_EdDSA"] = h => Bearer(TokenFactory.Assemble(Header(h, "EdDSA"), Payload(h), TokenFactory.Encode(RandomNumberGenerator.GetBytes(64))), Expected.Unauthorized),

        // Signatures.
        ["Signature_BitFlipped"] = h => Bearer(FlipSignatureBit(h.Tokens.Raw(h.Now)), Expected.Unauthorized),
        ["Signature_PayloadSwapped"] = h =>
        {
            var token = h.Tokens.Raw(h.Now);
            var other = TokenFactory.Encode(Payload(h, p => p["creator"] = TokenFactory.CreatorB));
            return Bearer(Part(token, 1, other), Expected.Unauthorized);
        },
        ["Signature_AllZero_PsychicSignature"] = h => Bearer(TokenFactory.Assemble(Header(h), Payload(h), TokenFactory.Encode(new byte[64])), Expected.Unauthorized),
        ["Signature_RAndSEqualGroupOrder"] = h => Bearer(TokenFactory.Assemble(Header(h), Payload(h), TokenFactory.Encode([.. s_p256Order, .. s_p256Order])), Expected.Unauthorized),
        ["Signature_HighS_MalleatedTwin"] = h => Bearer(HighS(h.Tokens.Raw(h.Now)), Expected.Unauthorized),
        ["Signature_HighS_MalleatedTwinOfHandlerToken"] = h => Bearer(HighS(h.Tokens.Mint(h.Now)), Expected.Unauthorized),
        ["Signature_DerEncoded"] = h =>
        {
            var header = Header(h);
            var payload = Payload(h);
            var der = h.Tokens.Ecdsa.SignData(TokenFactory.SigningInput(header, payload), HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
            return Bearer(TokenFactory.Assemble(header, payload, TokenFactory.Encode(der)), Expected.Unauthorized);
        },
        ["Signature_OtherKeySameKid"] = h =>
        {
            using var attacker = new TokenFactory(h.Tokens.KeyId);
            return Bearer(attacker.Raw(h.Now), Expected.Unauthorized);
        },

        // Key ids and keys carried in the header.
        ["Kid_Unknown"] = h =>
        {
            using var attacker = new TokenFactory("key-attacker");
            return Bearer(attacker.Raw(h.Now), Expected.Unauthorized);
        },
        ["Kid_Missing"] = h => Bearer(Sign(h, header: x => x.Remove("kid")), Expected.Unauthorized),
        ["Kid_Number"] = h => Bearer(Sign(h, header: x => x["kid"] = 1), Expected.Unauthorized),
        ["Kid_Empty"] = h => Bearer(Sign(h, header: x => x["kid"] = ""), Expected.Unauthorized),
        ["Kid_CaseVariant"] = h => Bearer(Sign(h, header: x => x["kid"] = h.Tokens.KeyId.ToUpperInvariant()), Expected.Unauthorized),
        ["Header_InjectedJwk_SignedByAttacker"] = h =>
        {
            using var attacker = new TokenFactory(h.Tokens.KeyId);
            var q = attacker.PublicKey.ECDsa.ExportParameters(false).Q;
            var header = attacker.Header();
            header["jwk"] = new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = TokenFactory.Encode(q.X), ["y"] = TokenFactory.Encode(q.Y), ["kid"] = h.Tokens.KeyId };
            return Bearer(attacker.Sign(header, TokenFactory.Payload(h.Now)), Expected.Unauthorized);
        },
        ["Header_InjectedJwk_OwnKey"] = h =>
        {
            var q = h.Tokens.PublicKey.ECDsa.ExportParameters(false).Q;
            return Bearer(Sign(h, header: x => x["jwk"] = new JsonObject { ["kty"] = "EC", ["crv"] = "P-256", ["x"] = TokenFactory.Encode(q.X), ["y"] = TokenFactory.Encode(q.Y) }), Expected.Unauthorized);
        },
        ["Header_Jku"] = h => Bearer(Sign(h, header: x => x["jku"] = "https://attacker.example/jwks.json"), Expected.Unauthorized),
        ["Header_X5c"] = h => Bearer(Sign(h, header: x => x["x5c"] = new JsonArray("MIIBszCCAVmgAwIBAgIUAttackerCertificate")), Expected.Unauthorized),
        ["Header_X5u"] = h => Bearer(Sign(h, header: x => x["x5u"] = "https://attacker.example/cert.pem"), Expected.Unauthorized),
        ["Header_X5t"] = h => Bearer(Sign(h, header: x => x["x5t"] = "dGh1bWJwcmludA"), Expected.Unauthorized),
        ["Header_Crit"] = h => Bearer(Sign(h, header: x => x["crit"] = new JsonArray("exp")), Expected.Unauthorized),
        ["Header_CritEmpty"] = h => Bearer(Sign(h, header: x => x["crit"] = new JsonArray()), Expected.Unauthorized),
        ["Header_Zip"] = h => Bearer(Sign(h, header: x => x["zip"] = "DEF"), Expected.Unauthorized),
        ["Header_RepeatedAlg"] = h => Bearer(Signed(h, $$"""{"alg":"ES256","typ":"at+jwt","kid":"{{h.Tokens.KeyId}}","alg":"none"}""", Payload(h)), Expected.Unauthorized),
        ["Header_RepeatedAlgEscaped"] = h => Bearer(Signed(h, $$"""{"alg":"ES256","typ":"at+jwt","kid":"{{h.Tokens.KeyId}}","a\u006cg":"HS256"}""", Payload(h)), Expected.Unauthorized),
        ["Header_RepeatedKid"] = h => Bearer(Signed(h, $$"""{"alg":"ES256","typ":"at+jwt","kid":"key-attacker","kid":"{{h.Tokens.KeyId}}"}""", Payload(h)), Expected.Unauthorized),
        ["Payload_RepeatedCreator"] = h =>
        {
            var payload = Payload(h)[..^1] + $",\"creator\":\"{TokenFactory.CreatorB}\"}}";
            return Bearer(Signed(h, Header(h), payload), Expected.Unauthorized);
        },

        // typ.
        ["Typ_Missing"] = h => Bearer(Sign(h, header: x => x.Remove("typ")), Expected.Unauthorized),
        ["Typ_JWT"] = h => Bearer(Sign(h, header: x => x["typ"] = "JWT"), Expected.Unauthorized),
        ["Typ_CaseVariant_atPlusJWT"] = h => Bearer(Sign(h, header: x => x["typ"] = "at+JWT"), Expected.Unauthorized),
        ["Typ_MediaTypeForm"] = h => Bearer(Sign(h, header: x => x["typ"] = "application/at+jwt"), Expected.Unauthorized),
        ["Typ_Number"] = h => Bearer(Sign(h, header: x => x["typ"] = 1), Expected.Unauthorized),

        // Times that need no clock movement (the boundaries are in their own tests).
        ["Time_IatWithinSkew_Accepted"] = h => Bearer(Sign(h, payload: p => p["iat"] = Unix(h, 29)), Expected.Ok),
        ["Time_IatInFutureBeyondSkew"] = h => Bearer(Sign(h, payload: p => p["iat"] = Unix(h, 31)), Expected.Unauthorized),
        ["Time_LifetimeExactlyMax_Accepted"] = h => Bearer(Sign(h, payload: p => p["exp"] = Unix(h, 24 * 3600)), Expected.Ok),
        ["Time_LifetimeOverMax"] = h => Bearer(Sign(h, payload: p => p["exp"] = Unix(h, (24 * 3600) + 1)), Expected.Unauthorized),
        ["Time_ExpBeforeIat"] = h => Bearer(Sign(h, payload: p => (p["iat"], p["exp"]) = (Unix(h, 0), Unix(h, -1))), Expected.Unauthorized),
        ["Time_Expired"] = h => Bearer(Sign(h, payload: p => (p["iat"], p["nbf"], p["exp"]) = (Unix(h, -3600), Unix(h, -3600), Unix(h, -60))), Expected.Unauthorized),
        // Both within the clock skew of now, so only the order of nbf and exp refuses it.
        ["Time_NbfAfterExp"] = h => Bearer(Sign(h, payload: p => (p["iat"], p["nbf"], p["exp"]) = (Unix(h, 0), Unix(h, 20), Unix(h, 10))), Expected.Unauthorized),
        ["Time_NbfEqualsExp_Accepted"] = h => Bearer(Sign(h, payload: p => (p["iat"], p["nbf"], p["exp"]) = (Unix(h, 0), Unix(h, 0), Unix(h, 600))), Expected.Ok),
        ["Time_ExpMissing"] = h => Bearer(Sign(h, payload: p => p.Remove("exp")), Expected.Unauthorized),
        ["Time_IatMissing"] = h => Bearer(Sign(h, payload: p => p.Remove("iat")), Expected.Unauthorized),
        ["Time_NbfMissing_Accepted"] = h => Bearer(Sign(h, payload: p => p.Remove("nbf")), Expected.Ok),
        ["Time_ExpString"] = h => Bearer(Sign(h, payload: p => p["exp"] = Unix(h, 600).ToString(System.Globalization.CultureInfo.InvariantCulture)), Expected.Unauthorized),
        ["Time_ExpHuge_1e20"] = h => Bearer(SignedLiteral(h, "exp", "1e20"), Expected.Unauthorized),
        ["Time_ExpHugeInteger"] = h => Bearer(SignedLiteral(h, "exp", "100000000000000000000"), Expected.Unauthorized),
        ["Time_ExpFloat"] = h => Bearer(SignedLiteral(h, "exp", $"{Unix(h, 600)}.5"), Expected.Unauthorized),
        ["Time_ExpFloatWholeValue"] = h => Bearer(SignedLiteral(h, "exp", $"{Unix(h, 600)}.0"), Expected.Unauthorized),
        ["Time_ExpExponentForm"] = h => Bearer(SignedLiteral(h, "exp", "1.9e9"), Expected.Unauthorized),
        ["Time_ExpNull"] = h => Bearer(SignedLiteral(h, "exp", "null"), Expected.Unauthorized),
        ["Time_IatNegative"] = h => Bearer(Sign(h, payload: p => p["iat"] = -1), Expected.Unauthorized),
        ["Time_NbfString"] = h => Bearer(Sign(h, payload: p => p["nbf"] = "0"), Expected.Unauthorized),
        ["Time_ExpBeyondYear9999"] = h => Bearer(SignedLiteral(h, "exp", "253402300800"), Expected.Unauthorized),

        // Audience and issuer.
        ["Aud_Wrong"] = h => Bearer(Sign(h, payload: p => p["aud"] = "someone-else"), Expected.Unauthorized),
        ["Aud_Origin"] = h => Bearer(Sign(h, payload: p => p["aud"] = Audiences.Origin), Expected.Unauthorized),
        ["Aud_Missing"] = h => Bearer(Sign(h, payload: p => p.Remove("aud")), Expected.Unauthorized),
        ["Aud_Array"] = h => Bearer(Sign(h, payload: p => p["aud"] = new JsonArray(Audiences.Edge)), Expected.Unauthorized),
        ["Aud_ArrayWithOthers"] = h => Bearer(Sign(h, payload: p => p["aud"] = new JsonArray(Audiences.Origin, Audiences.Edge)), Expected.Unauthorized),
        ["Aud_TrailingSlash"] = h => Bearer(Sign(h, payload: p => p["aud"] = Audiences.Edge + "/"), Expected.Unauthorized),
        ["Aud_CaseVariant"] = h => Bearer(Sign(h, payload: p => p["aud"] = Audiences.Edge.ToUpperInvariant()), Expected.Unauthorized),
        ["Iss_Wrong"] = h => Bearer(Sign(h, payload: p => p["iss"] = "https://attacker.example"), Expected.Unauthorized),
        ["Iss_Missing"] = h => Bearer(Sign(h, payload: p => p.Remove("iss")), Expected.Unauthorized),
        ["Iss_TrailingSlash"] = h => Bearer(Sign(h, payload: p => p["iss"] = TokenFactory.Issuer + "/"), Expected.Unauthorized),
        ["Iss_CaseVariant"] = h => Bearer(Sign(h, payload: p => p["iss"] = TokenFactory.Issuer.ToUpperInvariant()), Expected.Unauthorized),
        ["Iss_Empty"] = h => Bearer(Sign(h, payload: p => p["iss"] = ""), Expected.Unauthorized),

        // Scopes: exact strings, space separated.
        ["Scope_Absent_GoodToken_Forbidden"] = h => Bearer(h.Tokens.Mint(h.Now, scope: Scopes.DropRsvp), Expected.Forbidden),
        ["Scope_Prefix_recsread2"] = h => Bearer(Scoped(h, "recs:read2"), Expected.Forbidden),
        ["Scope_Truncated_recs"] = h => Bearer(Scoped(h, "recs"), Expected.Forbidden),
        ["Scope_Uppercase"] = h => Bearer(Scoped(h, "RECS:READ"), Expected.Forbidden),
        ["Scope_CommaSeparated"] = h => Bearer(Scoped(h, "recs:read,drop:rsvp"), Expected.Forbidden),
        ["Scope_TabSeparated"] = h => Bearer(Scoped(h, "drop:rsvp\trecs:read"), Expected.Forbidden),
        ["Scope_NonBreakingSpace"] = h => Bearer(Scoped(h, "drop:rsvp\u00A0recs:read"), Expected.Forbidden),
        ["Scope_CyrillicLookalike"] = h => Bearer(Scoped(h, "recs:re\u0430d"), Expected.Forbidden),
        ["Scope_EmptyString"] = h => Bearer(Scoped(h, ""), Expected.Forbidden),
        ["Scope_ExtraSpaces_Accepted"] = h => Bearer(Scoped(h, "  drop:rsvp   recs:read  "), Expected.Ok),
        ["Scope_JsonArray"] = h => Bearer(Sign(h, payload: p => p["scope"] = new JsonArray(Scopes.RecommendationsRead)), Expected.Unauthorized),
        ["Scope_Missing"] = h => Bearer(Sign(h, payload: p => p.Remove("scope")), Expected.Unauthorized),
        ["Scope_AsScpClaim"] = h => Bearer(Sign(h, payload: p => { p.Remove("scope"); p["scp"] = Scopes.RecommendationsRead; }), Expected.Unauthorized),

        // Other claims.
        ["Sub_Missing"] = h => Bearer(Sign(h, payload: p => p.Remove("sub")), Expected.Unauthorized),
        ["Sub_Number"] = h => Bearer(Sign(h, payload: p => p["sub"] = 42), Expected.Unauthorized),
        ["Sub_Empty"] = h => Bearer(Sign(h, payload: p => p["sub"] = ""), Expected.Unauthorized),
        ["Sub_Huge"] = h => Bearer(Sign(h, payload: p => p["sub"] = new string('s', 1_000)), Expected.Unauthorized),
        ["Jti_Missing"] = h => Bearer(Sign(h, payload: p => p.Remove("jti")), Expected.Unauthorized),
        ["Creator_Number"] = h => Bearer(Sign(h, payload: p => p["creator"] = 7), Expected.Unauthorized),
        ["Creator_InvalidId_PathTraversal"] = h => Bearer(Sign(h, payload: p => p["creator"] = "../creator-b"), Expected.Unauthorized),
        ["Creator_InvalidId_Space"] = h => Bearer(Sign(h, payload: p => p["creator"] = "creator a"), Expected.Unauthorized),
        ["Creator_Empty"] = h => Bearer(Sign(h, payload: p => p["creator"] = ""), Expected.Unauthorized),
        ["Creator_Null"] = h => Bearer(Sign(h, payload: p => p["creator"] = null), Expected.Unauthorized),
        ["Creator_Array"] = h => Bearer(Sign(h, payload: p => p["creator"] = new JsonArray(TokenFactory.CreatorA, TokenFactory.CreatorB)), Expected.Unauthorized),
        ["Tier_Number"] = h => Bearer(Sign(h, payload: p => p["tier"] = 3), Expected.Unauthorized),
        ["Claim_LoneSurrogateInIgnoredClaim"] = h => Bearer(SignedLiteral(h, "note", "\"\\uD800\""), Expected.Unauthorized),
        ["Claim_InvalidUtf8InIgnoredClaim"] = h =>
        {
            var header = Header(h);
            byte[] payload = [.. System.Text.Encoding.UTF8.GetBytes(Payload(h)[..^1] + ",\"note\":\""), 0xC0, 0xAF, .. "\"}"u8];
            var signingInput = Encoding.ASCII.GetBytes($"{TokenFactory.Encode(header)}.{TokenFactory.Encode(payload)}");
            var signature = h.Tokens.Ecdsa.SignData(signingInput, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            return Bearer($"{TokenFactory.Encode(header)}.{TokenFactory.Encode(payload)}.{TokenFactory.Encode(signature)}", Expected.Unauthorized);
        },
        ["Claim_HugeButUnderCap_Ignored"] = h => Bearer(Sign(h, payload: p => p["note"] = new string('n', 2_000)), Expected.Ok),
        ["Token_OverMaxLength"] = h => Bearer(Sign(h, payload: p => p["note"] = new string('n', 4_000)), Expected.Unauthorized),
        ["Token_Enormous"] = h => Bearer(Sign(h, payload: p => p["note"] = new string('n', 200_000)), Expected.Unauthorized),

        // Tenancy: the tenant is the signed creator claim and nothing else.
        ["Creator_Own_Accepted"] = h => Bearer(h.Tokens.Mint(h.Now), Expected.Ok, CreatorPath(TokenFactory.CreatorA)),
        ["Creator_Unknown_Baseline"] = h => Bearer(h.Tokens.Mint(h.Now), Expected.HiddenCreator, CreatorPath("creator-zzz")),
        ["Creator_CrossTenant_LooksUnknown"] = h => Bearer(h.Tokens.Mint(h.Now), Expected.HiddenCreator, CreatorPath(TokenFactory.CreatorB)),
        ["Creator_CaseVariantOfOwn"] = h => Bearer(h.Tokens.Mint(h.Now), Expected.HiddenCreator, CreatorPath("CREATOR-A")),
        ["Creator_NoCreatorNotOperator"] = h => Bearer(h.Tokens.Mint(h.Now, creator: null), Expected.HiddenCreator, CreatorPath(TokenFactory.CreatorA)),
        ["Creator_PlatformOperator_Accepted"] = h => Bearer(h.Tokens.Mint(h.Now, creator: null, scope: OperatorScope), Expected.Ok, CreatorPath(TokenFactory.CreatorB)),
        ["Creator_PlatformOperator_UnknownCreator"] = h => Bearer(h.Tokens.Mint(h.Now, creator: null, scope: OperatorScope), Expected.HiddenCreator, CreatorPath("creator-zzz")),
        ["Creator_AdminPlatformWithCreator_NotOperator"] = h => Bearer(h.Tokens.Mint(h.Now, scope: OperatorScope), Expected.HiddenCreator, CreatorPath(TokenFactory.CreatorB)),
        ["Creator_AdminPlatformWithCreator_Own"] = h => Bearer(h.Tokens.Mint(h.Now, scope: OperatorScope), Expected.Ok, CreatorPath(TokenFactory.CreatorA)),
        ["Creator_OverrideByQuery"] = h => Bearer(h.Tokens.Mint(h.Now), Expected.HiddenCreator, CreatorPath(TokenFactory.CreatorB) + "?creator=creator-b&creatorId=creator-b"),
        ["Creator_OverrideByHeaders"] = h => Bearer(h.Tokens.Mint(h.Now), Expected.HiddenCreator, CreatorPath(TokenFactory.CreatorB)) with
        {
            Headers = new Dictionary<string, string>(StringComparer.Ordinal) { ["creator"] = TokenFactory.CreatorB, ["X-Creator-Id"] = TokenFactory.CreatorB, ["X-Tenant"] = TokenFactory.CreatorB },
        },
        ["Creator_OperatorScopeByQuery"] = h => Bearer(h.Tokens.Mint(h.Now, creator: null), Expected.HiddenCreator, CreatorPath(TokenFactory.CreatorB) + "?scope=admin:platform"),
        ["Creator_WithoutScope_Forbidden"] = h => Bearer(h.Tokens.Mint(h.Now, scope: Scopes.DropRsvp), Expected.Forbidden, CreatorPath(TokenFactory.CreatorA)),
        ["Creator_NoToken"] = _ => new ProbeCase(CreatorPath(TokenFactory.CreatorA), Expected.Unauthorized, StringValues.Empty, null),
    };

    private const string OperatorScope = Scopes.RecommendationsRead + " " + Scopes.AdminPlatform;

    public static string CreatorPath(string creatorId) => $"/probe/creators/{creatorId}";

    private static ProbeCase Bearer(string token, Expected expected, string path = Recs) => new(path, expected, $"Bearer {token}", token);

    private static ProbeCase Raw(string? token, Func<string, string> header, Expected expected = Expected.Unauthorized)
        => new(Recs, expected, header(token ?? ""), token);

    private static string Header(AuthProbeHost h, string? alg = null)
    {
        var header = h.Tokens.Header();
        if (alg is not null)
        {
            header["alg"] = alg;
        }

        return header.ToJsonString();
    }

    private static string Payload(AuthProbeHost h, Action<JsonObject>? edit = null)
    {
        var payload = TokenFactory.Payload(h.Now);
        edit?.Invoke(payload);
        return payload.ToJsonString();
    }

    private static long Unix(AuthProbeHost h, long offsetSeconds) => h.Now.ToUnixTimeSeconds() + offsetSeconds;

    /// <summary>A token signed with the ring's key after editing the good header and payload.</summary>
    private static string Sign(AuthProbeHost h, Action<JsonObject>? header = null, Action<JsonObject>? payload = null)
    {
        var headerObject = h.Tokens.Header();
        header?.Invoke(headerObject);
        return h.Tokens.Sign(headerObject.ToJsonString(), Payload(h, payload));
    }

    private static string Signed(AuthProbeHost h, string headerJson, string payloadJson) => h.Tokens.Sign(headerJson, payloadJson);

    /// <summary>A good token whose <paramref name="claim"/> is the JSON text <paramref name="literal"/>, as written.</summary>
    private static string SignedLiteral(AuthProbeHost h, string claim, string literal)
    {
        var payload = Payload(h, p => p[claim] = RawLiteral).Replace($"\"{RawLiteral}\"", literal, StringComparison.Ordinal);
        return Signed(h, Header(h), payload);
    }

    private static string Scoped(AuthProbeHost h, string scope) => Sign(h, payload: p => p["scope"] = scope);

    private static string Hmac(AuthProbeHost h, byte[] key)
    {
        var header = Header(h, "HS256");
        var payload = Payload(h);
        return TokenFactory.Assemble(header, payload, TokenFactory.Encode(HMACSHA256.HashData(key, TokenFactory.SigningInput(header, payload))));
    }

    private static string Rsa(AuthProbeHost h, string alg, RSASignaturePadding padding)
    {
        using var rsa = RSA.Create(2048);
        var header = Header(h, alg);
        var payload = Payload(h);
        var signature = rsa.SignData(TokenFactory.SigningInput(header, payload), HashAlgorithmName.SHA256, padding);
        return TokenFactory.Assemble(header, payload, TokenFactory.Encode(signature));
    }

    /// <summary>
    /// The malleated twin of a good (low-S) token: s replaced by n - s, which verifies as well as
    /// the original; only the canonical low-S check tells them apart.
    /// </summary>
    private static string HighS(string token)
    {
        var signature = System.Buffers.Text.Base64Url.DecodeFromChars(TokenFactory.SignaturePart(token));
        var order = new System.Numerics.BigInteger(s_p256Order, isUnsigned: true, isBigEndian: true);
        var s = new System.Numerics.BigInteger(signature.AsSpan(32), isUnsigned: true, isBigEndian: true);
        var high = (order - s).ToByteArray(isUnsigned: true, isBigEndian: true);
        Array.Clear(signature, 32, 32);
        high.CopyTo(signature, 64 - high.Length);
        return Part(token, 2, TokenFactory.Encode(signature));
    }

    private static string FlipSignatureBit(string token)
    {
        var signature = System.Buffers.Text.Base64Url.DecodeFromChars(TokenFactory.SignaturePart(token));
        signature[10] ^= 0x01;
        return Part(token, 2, TokenFactory.Encode(signature));
    }

    private static string Part(string token, int index, string replacement)
    {
        var parts = token.Split('.');
        parts[index] = replacement;
        return string.Join('.', parts);
    }

    private static string Drop(string token, int keep) => string.Join('.', token.Split('.').Take(keep));
}
