using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// A request's <c>Authorization: Bearer &lt;token&gt;</c> → its <see cref="AccessTokenPrincipal"/>,
/// or null when the token is not valid. One piece for the token middleware (every request) and the
/// scheme's handler (explicit <c>AuthenticateAsync</c> calls). Every refusal is counted by reason
/// class; the token is never logged.
/// </summary>
public sealed partial class AccessTokenAuthenticator(AccessTokenValidator validator, AuthenticationMetrics metrics, ILogger<AccessTokenAuthenticator> logger)
{
    private const string Bearer = "Bearer ";

    /// <summary>Call only when the request has an <c>Authorization</c> header.</summary>
    public ValueTask<AccessTokenPrincipal?> AuthenticateAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var headers = request.Headers.Authorization;
        if (headers.Count != 1 || headers[0] is not { } value || value.Length <= Bearer.Length
            || !value.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            Refused(TokenFailure.Malformed);
            return ValueTask.FromResult<AccessTokenPrincipal?>(null);
        }

        // A token validated before: one digest and one cache lookup, no allocation.
        return validator.TryGetCached(value.AsSpan(Bearer.Length), out var cached)
            ? ValueTask.FromResult<AccessTokenPrincipal?>(AccessTokenPrincipal.For(cached))
            : ValidateAsync(value[Bearer.Length..]);
    }

    private async ValueTask<AccessTokenPrincipal?> ValidateAsync(string token)
    {
        var (accessToken, failure) = await validator.ValidateAsync(token);
        if (accessToken is null)
        {
            Refused(failure);
            return null;
        }

        return AccessTokenPrincipal.For(accessToken);
    }

    private void Refused(TokenFailure failure)
    {
        metrics.Rejected(failure);
        TokenRefused(logger, failure);
    }

    /// <summary>The reason class only: never the token, its subject or its creator.</summary>
    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "A bearer token was refused ({Reason}); the caller gets the one 401.")]
    private static partial void TokenRefused(ILogger logger, TokenFailure reason);
}
