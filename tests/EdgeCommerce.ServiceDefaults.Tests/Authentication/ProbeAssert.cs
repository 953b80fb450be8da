using System.Text.Json.Nodes;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.Primitives;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>The exact answers the handler promises, and the proof that nothing of a token leaks.</summary>
internal static class ProbeAssert
{
    public const string ProblemContentType = "application/problem+json";

    /// <summary>Checks <paramref name="response"/> against <paramref name="probe"/>'s expectation, then that nothing of its token leaked.</summary>
    public static async Task AnswersAsync(AuthProbeHost host, ProbeCase probe, ProbeResponse response, CancellationToken cancellationToken)
    {
        switch (probe.Expected)
        {
            case Expected.Ok:
                Assert.Equal(200, response.StatusCode);
                break;
            case Expected.Unauthorized:
                Unauthorized(response);
                break;
            case Expected.Forbidden:
                Forbidden(response);
                break;
            case Expected.HiddenCreator:
                var unknown = await UnknownCreatorAsync(host, cancellationToken);
                HiddenCreator(unknown, response);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(probe), probe.Expected, null);
        }

        NothingFromToken(response, probe.Token);
        NotLogged(host.Logs, probe.Token);
        NoErrorLogged(host.Logs);
    }

    /// <summary>No input is worth an Error log (an unhandled exception would be one).</summary>
    public static void NoErrorLogged(LogCapture logs)
        => Assert.DoesNotContain(logs.Lines, static line => line.StartsWith("Error ", StringComparison.Ordinal) || line.StartsWith("Critical ", StringComparison.Ordinal));

    /// <summary>The one 401: fixed body, <c>WWW-Authenticate: Bearer</c>, problem JSON, not stored.</summary>
    public static void Unauthorized(ProbeResponse response)
    {
        Assert.Equal(401, response.StatusCode);
        Assert.Equal(AccessTokenAuthenticationHandler.UnauthorizedBody, response.Body);
        Assert.Equal(new StringValues("Bearer"), response.Headers.WWWAuthenticate);
        Assert.Equal(new StringValues(ProblemContentType), response.Headers.ContentType);
        Assert.Equal(new StringValues("no-store"), response.Headers.CacheControl);
    }

    /// <summary>The one 403: fixed body, <c>insufficient_scope</c>, problem JSON, not stored.</summary>
    public static void Forbidden(ProbeResponse response)
    {
        Assert.Equal(403, response.StatusCode);
        Assert.Equal(AccessTokenAuthenticationHandler.ForbiddenBody, response.Body);
        Assert.Equal(new StringValues("Bearer error=\"insufficient_scope\""), response.Headers.WWWAuthenticate);
        Assert.Equal(new StringValues(ProblemContentType), response.Headers.ContentType);
        Assert.Equal(new StringValues("no-store"), response.Headers.CacheControl);
    }

    /// <summary>A refused creator is answered exactly like an unknown one (only the per-request trace id differs).</summary>
    public static void HiddenCreator(ProbeResponse unknown, ProbeResponse response)
    {
        Assert.Equal(404, unknown.StatusCode);
        Assert.Equal(404, response.StatusCode);
        Assert.Equal(WithoutTraceId(unknown.Body), WithoutTraceId(response.Body));
        Assert.Equal(unknown.Headers.ContentType, response.Headers.ContentType);
        Assert.Equal(
            unknown.Headers.Keys.Order(StringComparer.OrdinalIgnoreCase),
            response.Headers.Keys.Order(StringComparer.OrdinalIgnoreCase));
        Assert.Equal(StringValues.Empty, response.Headers.WWWAuthenticate);
    }

    /// <summary>The answer for a creator that does not exist, asked with a valid token.</summary>
    public static Task<ProbeResponse> UnknownCreatorAsync(AuthProbeHost host, CancellationToken cancellationToken)
        => host.GetAsync(AdversarialCases.CreatorPath("creator-does-not-exist"), $"Bearer {host.Tokens.Mint(host.Now)}", cancellationToken);

    /// <summary>No part of the token (header, payload, signature, or the whole) appears in the body or any header.</summary>
    public static void NothingFromToken(ProbeResponse response, string? token)
    {
        foreach (var secret in Secrets(token))
        {
            Assert.DoesNotContain(secret, response.Body, StringComparison.Ordinal);
            foreach (var (name, values) in response.Headers)
            {
                Assert.DoesNotContain(secret, name, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, values.ToString(), StringComparison.Ordinal);
            }
        }
    }

    /// <summary>No log line the host (or IdentityModel) wrote contains any part of the token.</summary>
    public static void NotLogged(LogCapture logs, string? token)
    {
        var secrets = Secrets(token).ToList();
        foreach (var line in logs.AllLines)
        {
            foreach (var secret in secrets)
            {
                Assert.False(line.Contains(secret, StringComparison.Ordinal), $"A log line contains part of a token: {line}");
            }
        }
    }

    /// <summary>The token and its parts, where long enough to be meaningful (a 4-character part would match anything).</summary>
    public static IEnumerable<string> Secrets(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return [];
        }

        // The header of every good token is the same text; it identifies no one, so only the
        // payload, the signature and the whole token count.
        var parts = token.Split('.');
        return parts.Skip(1).Append(token).Where(static part => part.Length >= 16).Distinct(StringComparer.Ordinal);
    }

    private static string WithoutTraceId(string body)
    {
        var problem = JsonNode.Parse(body)!.AsObject();
        problem.Remove("traceId");
        return problem.ToJsonString();
    }
}
