using System.Collections.Frozen;
using System.Net;
using System.Net.Http.Headers;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>
/// The token middleware and the policy evaluator's shortcut: what they must never change is who
/// gets in. Each test would catch the shortcut letting a request through that the standard
/// evaluation refuses, or the framework's per-request authentication coming back unnoticed.
/// </summary>
public sealed class AccessTokenPolicyEvaluatorTests
{
    private static readonly AccessToken s_viewer = new("viewer-1", "creator-a", new[] { Scopes.RecommendationsRead, Scopes.DropReserve }.ToFrozenSet(StringComparer.Ordinal),
        null, DateTimeOffset.UnixEpoch.AddYears(100), "key", "jti");

    private static readonly AccessToken s_operator = new("ops", null, new[] { Scopes.AdminPlatform }.ToFrozenSet(StringComparer.Ordinal),
        null, DateTimeOffset.UnixEpoch.AddYears(100), "key", "jti-2");

    [Fact]
    public void Allows_EveryRequirementGrantedByTheToken_True()
    {
        var policy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(Scopes.RecommendationsRead)).Build();

        Assert.True(AccessTokenPolicyEvaluator.Allows(policy, s_viewer));
    }

    [Fact]
    public void Allows_AScopeTheTokenLacks_False()
    {
        // Scopes are exact: case and near-misses do not count.
        var policy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser()
            .AddRequirements(new ScopeRequirement(Scopes.RecommendationsRead), new ScopeRequirement(Scopes.DropRsvp)).Build();
        var upperCase = new AuthorizationPolicyBuilder().AddRequirements(new ScopeRequirement(Scopes.RecommendationsRead.ToUpperInvariant())).Build();

        Assert.False(AccessTokenPolicyEvaluator.Allows(policy, s_viewer));
        Assert.False(AccessTokenPolicyEvaluator.Allows(upperCase, s_viewer));
    }

    [Fact]
    public void Allows_PlatformOperatorRequirement_OnlyForATokenWithoutTenant()
    {
        var policy = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(new PlatformOperatorRequirement()).Build();
        var creatorAdmin = s_operator with { CreatorId = "creator-a" };

        Assert.True(AccessTokenPolicyEvaluator.Allows(policy, s_operator));
        Assert.False(AccessTokenPolicyEvaluator.Allows(policy, creatorAdmin));
        Assert.False(AccessTokenPolicyEvaluator.Allows(policy, s_viewer));
    }

    [Fact]
    public void Allows_ARequirementTheTokenDoesNotDecide_FalseSoTheStandardEvaluationRuns()
    {
        var assertion = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireAssertion(static _ => true).Build();
        var claim = new AuthorizationPolicyBuilder().RequireClaim("scope", Scopes.RecommendationsRead).Build();

        Assert.False(AccessTokenPolicyEvaluator.Allows(assertion, s_viewer));
        Assert.False(AccessTokenPolicyEvaluator.Allows(claim, s_viewer));
    }

    [Fact]
    public async Task Get_ScopedEndpointWithGoodToken_200WithoutAnyAuthenticationServiceCall()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var host = await ProbeApp.StartAsync(extraHandler: null, ct);

        // Act
        var ok = await host.GetAsync(host.Tokens.Mint(host.Now), ct);
        var refused = await host.GetAsync("not-a-token", ct);

        // Assert: the shortcut is on, the user came from the token middleware, and ASP.NET Core's
        // authentication service was used only to challenge the refused request (the one 401).
        Assert.True(host.Evaluator.ShortcutEnabled);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("viewer-1", await ok.Content.ReadAsStringAsync(ct));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(AccessTokenAuthenticationHandler.UnauthorizedBody, await refused.Content.ReadAsStringAsync(ct));
        Assert.Equal(0, host.Counter.Authentications);
        Assert.Equal(1, host.Counter.Challenges);
    }

    [Fact]
    public async Task Get_WithAHandlerThatRefusesEverything_403EvenWithTheScope()
    {
        // Arrange: an application handler that fails every request; the shortcut must not skip it.
        var ct = TestContext.Current.CancellationToken;
        await using var host = await ProbeApp.StartAsync(new RefuseAll(), ct);

        // Act
        var response = await host.GetAsync(host.Tokens.Mint(host.Now), ct);

        // Assert
        Assert.False(host.Evaluator.ShortcutEnabled);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Get_TokenWithoutTheScope_403InsufficientScope()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var host = await ProbeApp.StartAsync(extraHandler: null, ct);

        // Act
        var response = await host.GetAsync(host.Tokens.Mint(host.Now, scope: Scopes.DropRsvp), ct);

        // Assert
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("Bearer error=\"insufficient_scope\"", response.Headers.WwwAuthenticate.ToString());
    }

    private sealed class RefuseAll : IAuthorizationHandler
    {
        public Task HandleAsync(AuthorizationHandlerContext context)
        {
            context.Fail();
            return Task.CompletedTask;
        }
    }

    /// <summary>Counts what reaches ASP.NET Core's authentication service.</summary>
    private sealed class CountingAuthenticationService(AuthenticationService inner) : IAuthenticationService
    {
        public int Authentications => Volatile.Read(ref _authentications);

        public int Challenges => Volatile.Read(ref _challenges);

        private int _authentications;
        private int _challenges;

        public Task<AuthenticateResult> AuthenticateAsync(HttpContext context, string? scheme)
        {
            Interlocked.Increment(ref _authentications);
            return inner.AuthenticateAsync(context, scheme);
        }

        public Task ChallengeAsync(HttpContext context, string? scheme, AuthenticationProperties? properties)
        {
            Interlocked.Increment(ref _challenges);
            return inner.ChallengeAsync(context, scheme, properties);
        }

        public Task ForbidAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => inner.ForbidAsync(context, scheme, properties);

        public Task SignInAsync(HttpContext context, string? scheme, System.Security.Claims.ClaimsPrincipal principal, AuthenticationProperties? properties)
            => inner.SignInAsync(context, scheme, principal, properties);

        public Task SignOutAsync(HttpContext context, string? scheme, AuthenticationProperties? properties) => inner.SignOutAsync(context, scheme, properties);
    }

    /// <summary>A WebApplication wired as the edge is (the token middleware, then authorization) over a test server.</summary>
    private sealed class ProbeApp(WebApplication app, TokenFactory tokens, CountingAuthenticationService counter) : IAsyncDisposable
    {
        public TokenFactory Tokens => tokens;

        public CountingAuthenticationService Counter => counter;

        public AccessTokenPolicyEvaluator Evaluator => (AccessTokenPolicyEvaluator)app.Services.GetRequiredService<IPolicyEvaluator>();

        public DateTimeOffset Now => TimeProvider.System.GetUtcNow();

        public static async Task<ProbeApp> StartAsync(IAuthorizationHandler? extraHandler, CancellationToken cancellationToken)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseTestServer();
            builder.Logging.ClearProviders();
            builder.Services.AddAccessTokenAuthentication(Audiences.Edge);
            if (extraHandler is not null)
            {
                builder.Services.AddSingleton(extraHandler);
            }

            // One counting service for the whole app (the framework's is scoped), so the test can read it.
            builder.Services.AddSingleton(static provider => new CountingAuthenticationService(ActivatorUtilities.CreateInstance<AuthenticationService>(provider)));
            builder.Services.AddSingleton<IAuthenticationService>(static provider => provider.GetRequiredService<CountingAuthenticationService>());
            var app = builder.Build();
            var tokens = new TokenFactory();
            app.Services.GetRequiredService<SigningKeyRing>().Replace(TokenFactory.Issuer, tokens.Ring);
            app.UseAccessTokenAuthentication();
            app.UseAuthorization();
            app.MapGet("/me", static (HttpContext context) => context.GetAccessToken()!.Subject).RequireScope(Scopes.RecommendationsRead);
            await app.StartAsync(cancellationToken);
            return new ProbeApp(app, tokens, app.Services.GetRequiredService<CountingAuthenticationService>());
        }

        public async Task<HttpResponseMessage> GetAsync(string token, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/me");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await app.GetTestClient().SendAsync(request, cancellationToken);
        }

        public async ValueTask DisposeAsync()
        {
            await app.DisposeAsync();
            tokens.Dispose();
        }
    }
}
