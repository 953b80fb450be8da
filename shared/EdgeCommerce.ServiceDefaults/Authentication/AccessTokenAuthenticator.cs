using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// A request's <c>Authorization: Bearer &lt;token&gt;</c> → its <see cref="AccessTokenPrincipal"/>,
/// or null when the token is not valid. One piece for the token middleware (every request) and the
/// scheme's handler (explicit <c>AuthenticateAsync</c> calls). Every refusal is counted by reason
/// class; the token is never logged.
/// </summary>
/// <remarks>
/// A client network over its failed-validation budget (<see cref="FailedAuthenticationLimiter"/>)
/// gets the same anonymous result for every uncached token, valid or not, without the token being
/// parsed or verified: the same one 401, so the answer never says whether the limit or the token
/// refused it. Cached tokens are looked up first and are never limited.
/// </remarks>
public sealed partial class AccessTokenAuthenticator(
    AccessTokenValidator validator,
    FailedAuthenticationLimiter failures,
    AuthenticationMetrics metrics,
    ILogger<AccessTokenAuthenticator> logger)
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
            : ValidateAsync(request, value);
    }

    private ValueTask<AccessTokenPrincipal?> ValidateAsync(HttpRequest request, string value)
    {
        var address = request.HttpContext.Connection.RemoteIpAddress;
        if (failures.IsOverLimit(address))
        {
            metrics.Throttled();
            TokenThrottled(logger);
            return ValueTask.FromResult<AccessTokenPrincipal?>(null);
        }

        return ValidateAsync(value[Bearer.Length..], address);
    }

    private async ValueTask<AccessTokenPrincipal?> ValidateAsync(string token, IPAddress? address)
    {
        var (accessToken, failure) = await validator.ValidateAsync(token);
        if (accessToken is null)
        {
            failures.RecordFailure(address);
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

    [LoggerMessage(EventId = 1002, Level = LogLevel.Debug, Message = "A bearer token was not checked: its client network is over its failed-authentication limit; the caller gets the one 401.")]
    private static partial void TokenThrottled(ILogger logger);
}
