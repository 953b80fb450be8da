using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>
/// An in-memory host wired like the real ones (problem details, exception handler, status-code
/// pages) with <see cref="AuthenticationExtensions.AddAccessTokenAuthentication"/> for the edge
/// audience, a <see cref="FakeTimeProvider"/> as the clock, the ring holding <see cref="Tokens"/>'
/// key under <see cref="TokenFactory.Issuer"/>, and three probe endpoints:
/// <c>/probe/recs</c> (recs:read), <c>/probe/creators/{creatorId}</c> (recs:read, and 404 exactly
/// like an unknown creator when the token may not act on that creator) and <c>/public</c>.
/// Every log line is captured at Trace level.
/// </summary>
internal sealed class AuthProbeHost : IAsyncDisposable
{
    public const string NoSuchCreatorTitle = "No such creator.";

    /// <summary>Creators that exist; anything else is a 404.</summary>
    public static readonly IReadOnlySet<string> KnownCreators = new HashSet<string>(StringComparer.Ordinal) { TokenFactory.CreatorA, TokenFactory.CreatorB };

    private readonly IHost _host;

    private AuthProbeHost(IHost host, FakeTimeProvider time, TokenFactory tokens, LogCapture logs)
    {
        _host = host;
        Time = time;
        Tokens = tokens;
        Logs = logs;
    }

    public FakeTimeProvider Time { get; }

    public TokenFactory Tokens { get; }

    public LogCapture Logs { get; }

    public IServiceProvider Services => _host.Services;

    public SigningKeyRing Ring => _host.Services.GetRequiredService<SigningKeyRing>();

    public AccessTokenValidator Validator => _host.Services.GetRequiredService<AccessTokenValidator>();

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>
    /// Starts a host. The fake clock starts at the current second: the validation cache's
    /// MemoryCache expires entries on the system clock, so a fake clock far from it would
    /// silently turn the cache off.
    /// </summary>
    public static async Task<AuthProbeHost> StartAsync(CancellationToken cancellationToken, DateTimeOffset? start = null)
    {
        var now = TimeProvider.System.GetUtcNow();
        var time = new FakeTimeProvider(start ?? DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()));
        var tokens = new TokenFactory();
        var logs = new LogCapture();
        var host = new HostBuilder()
            .ConfigureLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddProvider(logs))
            .ConfigureWebHost(web => web
                .UseTestServer()
                .ConfigureServices(services =>
                {
                    // Registered first: AddAccessTokenAuthentication only adds the system clock when none is.
                    services.AddSingleton<TimeProvider>(time);
                    services.AddRouting();
                    services.AddProblemDetails();
                    services.AddAccessTokenAuthentication(Audiences.Edge);
                })
                .Configure(app =>
                {
                    app.UseExceptionHandler();
                    app.UseStatusCodePages();
                    app.UseRouting();
                    app.UseAccessTokenAuthentication();
                    app.UseAuthorization();
                    app.UseEndpoints(MapProbes);
                }))
            .Build();
        await host.StartAsync(cancellationToken);
        host.Services.GetRequiredService<SigningKeyRing>().Replace(TokenFactory.Issuer, tokens.Ring);
        return new AuthProbeHost(host, time, tokens, logs);
    }

    /// <summary>
    /// One GET straight through the <see cref="TestServer"/> (no HttpClient in between to
    /// validate, merge or normalize headers): <paramref name="authorization"/> is sent exactly as
    /// given, one header line per value, none when empty.
    /// </summary>
    public async Task<ProbeResponse> GetAsync(
        string pathAndQuery,
        StringValues authorization,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var context = await _host.GetTestServer().SendAsync(
            request =>
            {
                request.Request.Method = HttpMethods.Get;
                request.Request.Path = query < 0 ? pathAndQuery : pathAndQuery[..query];
                request.Request.QueryString = query < 0 ? QueryString.Empty : new QueryString(pathAndQuery[query..]);
                if (authorization.Count > 0)
                {
                    request.Request.Headers.Authorization = authorization;
                }

                foreach (var (name, value) in headers ?? new Dictionary<string, string>())
                {
                    request.Request.Headers[name] = value;
                }
            },
            cancellationToken);
        using var reader = new StreamReader(context.Response.Body);
        var body = await reader.ReadToEndAsync(cancellationToken);
        return new ProbeResponse(context.Response.StatusCode, body, context.Response.Headers);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        Tokens.Dispose();
    }

    private static void MapProbes(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder endpoints)
    {
        // Echoes how many Authorization lines arrived (never their content), so a test can prove
        // the transport really delivered two of them.
        endpoints.MapGet("/public", static (HttpContext context) => TypedResults.Ok(new { authorizationLines = context.Request.Headers.Authorization.Count }));

        endpoints.MapGet("/probe/recs", static (HttpContext context) =>
        {
            var token = context.GetAccessToken()!;
            return TypedResults.Ok(new { subject = token.Subject, creator = token.CreatorId });
        }).RequireScope(Scopes.RecommendationsRead);

        endpoints.MapGet("/probe/creators/{creatorId}", static IResult (string creatorId, HttpContext context) =>
        {
            var token = context.GetAccessToken()!;
            // A creator the caller may not see is answered exactly like one that does not exist.
            if (!KnownCreators.Contains(creatorId) || !token.MayAccessCreator(creatorId))
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: NoSuchCreatorTitle);
            }

            return TypedResults.Ok(new { creator = creatorId });
        }).RequireScope(Scopes.RecommendationsRead);
    }
}
