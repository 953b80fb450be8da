using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// ASP.NET Core's <see cref="PolicyEvaluator"/>, with one shortcut: a policy made only of
/// "authenticated" and <see cref="AccessTokenRequirement"/>s (what <c>RequireAccessToken</c>,
/// <c>RequireScope</c> and <c>RequirePlatformOperator</c> build), for a request whose user is an
/// <see cref="AccessTokenPrincipal"/>, succeeds by asking the token directly. Everything else, and
/// every refusal, goes through the standard evaluator and <see cref="IAuthorizationService"/>, so
/// failures are logged, challenged and forbidden exactly as before.
/// </summary>
/// <remarks>
/// Why: on a personal endpoint whose token validation is a cache hit, the standard evaluation (a
/// transient evaluator and authorization service, a handler context, the handler pipeline) is a
/// third of what authorization and authentication together cost per request (the target:
/// within 10% of the anonymous endpoint; perf/RESULTS.md). The shortcut is taken only while the
/// registered authorization handlers are ASP.NET Core's pass-through one alone: any other handler
/// (which might fail a request the requirements allow) turns it off for the process.
/// </remarks>
public sealed class AccessTokenPolicyEvaluator(IEnumerable<IAuthorizationHandler> handlers) : IPolicyEvaluator
{
    private static readonly Task<PolicyAuthorizationResult> s_success = Task.FromResult(PolicyAuthorizationResult.Success());

    private readonly bool _shortcut = handlers.All(static h => h is PassThroughAuthorizationHandler);

    /// <summary>False when a handler other than the pass-through one is registered.</summary>
    public bool ShortcutEnabled => _shortcut;

    /// <summary>
    /// A policy naming no scheme uses the user the token middleware set, as the standard evaluator
    /// does (same ticket), without resolving the authorization service for it.
    /// </summary>
    public Task<AuthenticateResult> AuthenticateAsync(AuthorizationPolicy policy, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(context);
        return policy.AuthenticationSchemes.Count == 0 && context.User is AccessTokenPrincipal principal
            ? Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, "context.User")))
            : Standard(context).AuthenticateAsync(policy, context);
    }

    public Task<PolicyAuthorizationResult> AuthorizeAsync(AuthorizationPolicy policy, AuthenticateResult authenticationResult, HttpContext context, object? resource)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(context);
        return _shortcut && context.User is AccessTokenPrincipal principal && Allows(policy, principal.Token)
            ? s_success
            : Standard(context).AuthorizeAsync(policy, authenticationResult, context, resource);
    }

    /// <summary>True only when every requirement is one the token decides, and it grants each.</summary>
    public static bool Allows(AuthorizationPolicy policy, AccessToken token)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(token);
        if (policy.Requirements.Count == 0)
        {
            return false;
        }

        foreach (var requirement in policy.Requirements)
        {
            switch (requirement)
            {
                // An AccessTokenPrincipal's identity is always authenticated.
                case DenyAnonymousAuthorizationRequirement:
                    continue;
                case AccessTokenRequirement tokenRequirement when tokenRequirement.IsSatisfiedBy(token):
                    continue;
                default:
                    return false;
            }
        }

        return true;
    }

    /// <summary>The standard evaluator, resolved in the request's scope as the authorization middleware would.</summary>
    private static PolicyEvaluator Standard(HttpContext context) => new(context.RequestServices.GetRequiredService<IAuthorizationService>());
}
