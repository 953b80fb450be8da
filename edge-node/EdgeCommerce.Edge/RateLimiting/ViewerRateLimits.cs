using System.Globalization;
using System.Threading.RateLimiting;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.RateLimiting;

/// <summary>
/// ASP.NET Core's rate limiter, partitioned on validated claims only (never on headers, bodies or
/// addresses a caller controls): one token bucket per viewer (creator + subject), then one per
/// creator, chained in that order, for endpoints marked with <see cref="RequireViewerRateLimits"/>.
/// Rejections are 429 with <c>Retry-After</c>. The middleware runs after authorization, so a bad
/// token is a 401 and spends nothing.
/// </summary>
/// <remarks>
/// One chained global limiter rather than an endpoint policy plus a global limiter: on a rejection
/// the middleware tries once more through <c>AcquireAsync</c>, and with two separate limiters the
/// second try charged the creator's bucket again for a request the viewer's bucket refused, so one
/// noisy viewer drained the creator's allowance at twice its rate. Viewer first: a refused viewer
/// never reaches the creator's bucket.
/// </remarks>
internal static class ViewerRateLimits
{
    public static IServiceCollection AddViewerRateLimits(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<RateLimitOptions>()
            .BindConfiguration(RateLimitOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddRateLimiter(static _ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>(static (limiter, limits) =>
        {
            var settings = limits.Value;
            limiter.GlobalLimiter = new OnDemandLimiter(() =>
            {
                // The partitions' factories are made once here: a factory lambda inside the
                // partitioner (and GetTokenBucketLimiter's own wrapper of it) allocated two
                // delegates and a closure per limiter on every request, though a factory only
                // runs when a viewer's or creator's bucket is first made.
                Func<(string, string), RateLimiter> viewerBucket = _ => PartitionBucket(settings.ViewerBurst, settings.ViewerPerSecond);
                Func<string, RateLimiter> creatorBucket = _ => PartitionBucket(settings.CreatorBurst, settings.CreatorPerSecond);
                var noViewerLimit = RateLimitPartition.GetNoLimiter((string.Empty, string.Empty));
                var noCreatorLimit = RateLimitPartition.GetNoLimiter(string.Empty);
                var perViewer = PartitionedRateLimiter.Create<HttpContext, (string, string)>(context => Limited(context) is { } token
                    ? new RateLimitPartition<(string, string)>((token.CreatorId ?? "", token.Subject), viewerBucket)
                    : noViewerLimit);
                var perCreator = PartitionedRateLimiter.Create<HttpContext, string>(context => Limited(context) is { CreatorId: { } creator }
                    ? new RateLimitPartition<string>(creator, creatorBucket)
                    : noCreatorLimit);
                return PartitionedRateLimiter.CreateChained(perViewer, perCreator);
            });
            limiter.OnRejected = static (context, cancellationToken) => RejectAsync(context, cancellationToken);
        });
        return services;
    }

    /// <summary>Counts the endpoint against the caller's viewer and creator buckets.</summary>
    public static TBuilder RequireViewerRateLimits<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
        => builder.WithMetadata(ViewerRateLimitedMetadata.Instance);

    /// <summary>The validated token of a request to a rate-limited endpoint; null otherwise.</summary>
    private static AccessToken? Limited(HttpContext context)
        => context.GetEndpoint()?.Metadata.GetMetadata<ViewerRateLimitedMetadata>() is not null ? context.GetAccessToken() : null;

    /// <summary>
    /// A bucket of <paramref name="burst"/> that refills at <paramref name="perSecond"/>: every 100 ms
    /// for fast rates (a finer timer costs more than it gives), else one token per period.
    /// </summary>
    internal static TokenBucketRateLimiterOptions Bucket(int burst, double perSecond)
    {
        var fast = perSecond >= 10;
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            ReplenishmentPeriod = fast ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1 / perSecond),
            TokensPerPeriod = fast ? (int)Math.Max(1, Math.Round(perSecond / 10)) : 1,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    /// <summary>
    /// A bucket of a partitioned limiter, as <see cref="RateLimitPartition.GetTokenBucketLimiter{TKey}"/>
    /// makes it: without a timer of its own (the partitioned limiter replenishes every bucket from
    /// one timer).
    /// </summary>
    private static TokenBucketRateLimiter PartitionBucket(int burst, double perSecond)
    {
        var options = Bucket(burst, perSecond);
        options.AutoReplenishment = false;
        return new TokenBucketRateLimiter(options);
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.CacheControl = "no-store";
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        response.ContentType = "application/problem+json";
        await response.WriteAsync("""{"type":"https://tools.ietf.org/html/rfc6585#section-4","title":"Too many requests","status":429}""", cancellationToken);
    }

    /// <summary>
    /// The chained limiter, created by the first request to a rate-limited endpoint; every other
    /// request gets a lease from a limiter that never refuses. Why: each partitioned limiter runs a
    /// 100 ms timer from its creation, and an edge without personal traffic (most edges between
    /// drops) woke 20 times a second for buckets nobody used (the propagation analysis in
    /// perf/RESULTS.md: most of an idle edge's CPU).
    /// </summary>
    internal sealed class OnDemandLimiter(Func<PartitionedRateLimiter<HttpContext>> create) : PartitionedRateLimiter<HttpContext>
    {
        private static readonly RateLimiter s_unlimited = RateLimitPartition.GetNoLimiter(0).Factory(0);

        private readonly Lazy<PartitionedRateLimiter<HttpContext>> _limiter = new(create, LazyThreadSafetyMode.ExecutionAndPublication);

        /// <summary>True once a rate-limited request has created the buckets.</summary>
        public bool Created => _limiter.IsValueCreated;

        public override RateLimiterStatistics? GetStatistics(HttpContext resource)
            => _limiter.IsValueCreated ? _limiter.Value.GetStatistics(resource) : null;

        protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount)
            => Limited(resource) is not null ? _limiter.Value.AttemptAcquire(resource, permitCount) : s_unlimited.AttemptAcquire(permitCount);

        protected override ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
            => Limited(resource) is not null ? _limiter.Value.AcquireAsync(resource, permitCount, cancellationToken) : s_unlimited.AcquireAsync(permitCount, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing && _limiter.IsValueCreated)
            {
                _limiter.Value.Dispose();
            }

            base.Dispose(disposing);
        }

        protected override async ValueTask DisposeAsyncCore()
        {
            if (_limiter.IsValueCreated)
            {
                await _limiter.Value.DisposeAsync();
            }

            await base.DisposeAsyncCore();
        }
    }

    private sealed class ViewerRateLimitedMetadata
    {
        public static readonly ViewerRateLimitedMetadata Instance = new();
    }
}
