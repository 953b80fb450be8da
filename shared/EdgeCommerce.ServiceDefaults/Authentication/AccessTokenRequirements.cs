using Microsoft.AspNetCore.Authorization;

namespace EdgeCommerce.ServiceDefaults.Authentication;

/// <summary>
/// A requirement decided by the validated token alone. The same check serves ASP.NET Core's
/// authorization handlers (this class is its own handler, as <c>ClaimsAuthorizationRequirement</c>
/// is) and the <see cref="AccessTokenPolicyEvaluator"/>'s shortcut. Fails closed: a user that is not
/// an <see cref="AccessTokenPrincipal"/> satisfies none.
/// </summary>
public abstract class AccessTokenRequirement : AuthorizationHandler<AccessTokenRequirement>, IAuthorizationRequirement
{
    public abstract bool IsSatisfiedBy(AccessToken token);

    protected sealed override Task HandleRequirementAsync(AuthorizationHandlerContext context, AccessTokenRequirement requirement)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(requirement);
        if (context.User is AccessTokenPrincipal principal && requirement.IsSatisfiedBy(principal.Token))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>The token grants <see cref="Scope"/> (exact, case-sensitive).</summary>
public sealed class ScopeRequirement(string scope) : AccessTokenRequirement
{
    public string Scope { get; } = scope;

    public override bool IsSatisfiedBy(AccessToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token.HasScope(Scope);
    }

    public override string ToString() => $"ScopeRequirement: the token grants '{Scope}'";
}

/// <summary>A platform operator's token: <c>admin:platform</c> and no tenant.</summary>
public sealed class PlatformOperatorRequirement : AccessTokenRequirement
{
    public override bool IsSatisfiedBy(AccessToken token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token.IsPlatformOperator;
    }

    public override string ToString() => "PlatformOperatorRequirement: admin:platform and no creator";
}
