using EdgeCommerce.Edge.Sync;
using Grpc.Core;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace EdgeCommerce.Edge.OriginLink;

/// <summary>
/// The one way the edge makes a unary call to the origin: through a Polly pipeline per origin
/// replica (a circuit breaker around a per-attempt timeout, no retries), trying the replicas in
/// turn from the one that last answered. A hung origin costs the first callers one
/// <see cref="OriginCallOptions.CallTimeout"/>; once its circuit opens, calls skip it at once, to
/// the next replica or, with none left, to an <see cref="OriginUnavailableException"/> saying when
/// the next probe is due. Half-open lets one call through as the probe, so a recovered origin is
/// not met by a herd.
/// </summary>
internal sealed class OriginCalls
{
    private readonly Replica[] _replicas;
    private readonly OriginCallOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private int _preferred;

    public OriginCalls(OriginChannels channels, IOptions<OriginCallOptions> options, TimeProvider timeProvider, OriginLinkMetrics metrics, ILogger<OriginCalls> logger)
        : this([.. channels.InventoryAddresses.Select(static address => address.ToString())], options, timeProvider, metrics, logger)
    {
    }

    /// <summary>For testing: replicas named <paramref name="origins"/>, called through whatever the caller's delegate does.</summary>
    internal OriginCalls(IReadOnlyList<string> origins, IOptions<OriginCallOptions> options, TimeProvider timeProvider, OriginLinkMetrics metrics, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(origins);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(metrics);
        _options = options.Value;
        _timeProvider = timeProvider;
        _logger = logger;
        _replicas = [.. origins.Select((origin, index) => new Replica(this, index, origin, metrics))];
        metrics.Observe(this);
    }

    /// <summary>How many origin replicas calls can go to.</summary>
    public int Count => _replicas.Length;

    /// <summary>Replica <paramref name="index"/>'s circuit, as metrics and the dashboard show it.</summary>
    public OriginCircuitState StateOf(int index) => _replicas[index].State;

    /// <summary>
    /// Calls <paramref name="call"/> with a replica index and a per-attempt token (cancelled at the
    /// timeout), on the preferred replica first and the others after it while they time out, are
    /// unavailable or have an open circuit. Other failures (the origin's answers: NotFound,
    /// FailedPrecondition, …) propagate as they are. Cancelling <paramref name="cancellationToken"/>
    /// throws <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <exception cref="OriginUnavailableException">No replica answered.</exception>
    public async Task<T> CallAsync<TState, T>(Func<int, TState, CancellationToken, Task<T>> call, TState state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var first = Volatile.Read(ref _preferred);
        var allRefused = true;
        Exception? last = null;
        for (var attempt = 0; attempt < _replicas.Length; attempt++)
        {
            var index = (first + attempt) % _replicas.Length;
            try
            {
                var result = await _replicas[index].Pipeline.ExecuteAsync(
                    static async (args, token) =>
                    {
                        try
                        {
                            return await args.call(args.index, args.state, token);
                        }
                        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && token.IsCancellationRequested)
                        {
                            // The attempt's timeout (or the caller) cancelled the call: Polly tells the two apart.
                            throw new OperationCanceledException(ex.Message, ex, token);
                        }
                    },
                    (call, index, state),
                    cancellationToken);
                Volatile.Write(ref _preferred, index);
                return result;
            }
            catch (BrokenCircuitException ex)
            {
                last = ex;
            }
            catch (TimeoutRejectedException ex) when (!cancellationToken.IsCancellationRequested)
            {
                allRefused = false;
                last = ex;
            }
            catch (RpcException ex) when (IsTransportFailure(ex.StatusCode) && !cancellationToken.IsCancellationRequested)
            {
                allRefused = false;
                last = ex;
            }
        }

        throw new OriginUnavailableException(RetryAfter(), allRefused, last);
    }

    /// <summary>
    /// When a call could next reach an origin replica, at least 1 second (Retry-After counts whole
    /// seconds): zero wait is never promised while every circuit is open or probing.
    /// </summary>
    public TimeSpan RetryAfter()
    {
        var now = _timeProvider.GetUtcNow();
        var soonest = TimeSpan.MaxValue;
        foreach (var replica in _replicas)
        {
            var wait = replica.Wait(now, _options.CallTimeout);
            soonest = wait < soonest ? wait : soonest;
        }

        return soonest < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : soonest;
    }

    /// <summary>Unavailable and DeadlineExceeded say nothing about the request, only that no answer came.</summary>
    internal static bool IsTransportFailure(StatusCode status) => status is StatusCode.Unavailable or StatusCode.DeadlineExceeded;

    private static string Describe(Exception? failure) => failure switch
    {
        TimeoutRejectedException => "a call timed out",
        RpcException rpc => "a call failed with " + rpc.StatusCode,
        _ => "failed calls",
    };

    /// <summary>One origin replica: its pipeline and what its circuit last did (for Retry-After, metrics and the dashboard).</summary>
    private sealed class Replica
    {
        private readonly OriginCalls _owner;
        private readonly string _origin;
        private readonly OriginLinkMetrics _metrics;
        private long _openUntilTicks;
        private long _probeSinceTicks;
        private volatile OriginCircuitState _state;

        public Replica(OriginCalls owner, int index, string origin, OriginLinkMetrics metrics)
        {
            _owner = owner;
            _origin = origin;
            _metrics = metrics;
            Index = index;
            var options = owner._options;
            Pipeline = new ResiliencePipelineBuilder { TimeProvider = owner._timeProvider }
                .AddCircuitBreaker(new CircuitBreakerStrategyOptions
                {
                    FailureRatio = options.FailureRatio,
                    MinimumThroughput = options.MinimumThroughput,
                    SamplingDuration = options.SamplingDuration,
                    BreakDuration = options.BreakDuration,
                    ShouldHandle = new PredicateBuilder()
                        .Handle<TimeoutRejectedException>()
                        .Handle<RpcException>(static ex => IsTransportFailure(ex.StatusCode)),
                    OnOpened = args => OnOpened(args.BreakDuration, args.Outcome.Exception),
                    OnHalfOpened = _ => OnHalfOpened(),
                    OnClosed = _ => OnClosed(),
                })
                .AddTimeout(options.CallTimeout)
                .Build();
        }

        public int Index { get; }

        public ResiliencePipeline Pipeline { get; }

        public OriginCircuitState State => _state;

        /// <summary>Until a call may reach this replica: zero while closed; the rest of the break while open; while probing, until the probe's answer is due.</summary>
        public TimeSpan Wait(DateTimeOffset now, TimeSpan callTimeout) => _state switch
        {
            OriginCircuitState.Open => Positive(new DateTimeOffset(Interlocked.Read(ref _openUntilTicks), TimeSpan.Zero) - now),
            OriginCircuitState.HalfOpen => Positive(new DateTimeOffset(Interlocked.Read(ref _probeSinceTicks), TimeSpan.Zero) + callTimeout - now),
            _ => TimeSpan.Zero,
        };

        private static TimeSpan Positive(TimeSpan value) => value > TimeSpan.Zero ? value : TimeSpan.Zero;

        private ValueTask OnOpened(TimeSpan breakDuration, Exception? failure)
        {
            Interlocked.Exchange(ref _openUntilTicks, (_owner._timeProvider.GetUtcNow() + breakDuration).UtcTicks);
            Transition(OriginCircuitState.Open);
            OriginLinkLog.CircuitOpened(_owner._logger, _origin, Describe(failure), breakDuration);
            return ValueTask.CompletedTask;
        }

        private ValueTask OnHalfOpened()
        {
            Interlocked.Exchange(ref _probeSinceTicks, _owner._timeProvider.GetUtcNow().UtcTicks);
            Transition(OriginCircuitState.HalfOpen);
            OriginLinkLog.CircuitHalfOpened(_owner._logger, _origin);
            return ValueTask.CompletedTask;
        }

        private ValueTask OnClosed()
        {
            Transition(OriginCircuitState.Closed);
            OriginLinkLog.CircuitClosed(_owner._logger, _origin);
            return ValueTask.CompletedTask;
        }

        private void Transition(OriginCircuitState state)
        {
            _state = state;
            _metrics.Transitioned(state);
        }
    }
}
