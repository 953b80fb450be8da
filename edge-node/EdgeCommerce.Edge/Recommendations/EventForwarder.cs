using System.Threading.Channels;
using EdgeCommerce.Contracts.Sync;
using EdgeCommerce.Edge.Node;
using EdgeCommerce.Edge.OriginLink;
using EdgeCommerce.Edge.Sync;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>
/// Forwards viewer interactions to the origin (<c>EdgeEvents.Forward</c>, through the sync
/// channel and its token) in batches. The buffer is bounded and drops the oldest when full
/// (counted, logged): <see cref="Enqueue"/> never blocks or fails a viewer's request. A batch the
/// origin does not take is retried with backoff while newer events keep queueing behind it. Calls
/// go through <see cref="OriginCalls"/> (timeout, circuit breaker, the next origin replica), so a
/// hung origin holds a batch one call timeout, not forever, and an open circuit costs nothing.
/// </summary>
internal sealed class EventForwarder : BackgroundService
{
    private readonly Channel<ViewerInteraction> _buffer;
    private readonly OriginChannels _channels;
    private readonly OriginCalls _calls;
    private readonly RecommendationsOptions _options;
    private readonly string _edgeId;
    private readonly RecommendationsMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<EventForwarder> _logger;
    private long _dropped;

    public EventForwarder(OriginChannels channels, OriginCalls calls, IOptions<RecommendationsOptions> options, IOptions<EdgeOptions> edgeOptions, RecommendationsMetrics metrics, TimeProvider time, ILogger<EventForwarder> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(edgeOptions);
        _channels = channels;
        _calls = calls;
        _options = options.Value;
        _edgeId = edgeOptions.Value.Id;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _buffer = Channel.CreateBounded<ViewerInteraction>(
            new BoundedChannelOptions(_options.UpstreamBufferCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => OnDropped());
    }

    /// <summary>Events dropped because the buffer was full, since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Events waiting to go upstream.</summary>
    public int Buffered => _buffer.Reader.Count;

    /// <summary>Queues an event; with a full buffer the oldest queued one is dropped instead.</summary>
    public void Enqueue(ViewerInteraction interaction) => _buffer.Writer.TryWrite(interaction);

    /// <summary>Takes up to <paramref name="max"/> buffered events without waiting (tests).</summary>
    internal List<ViewerInteraction> Drain(int max)
    {
        var items = new List<ViewerInteraction>();
        while (items.Count < max && _buffer.Reader.TryRead(out var item))
        {
            items.Add(item);
        }

        return items;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var batch = new InteractionBatch { EdgeId = _edgeId };
        while (!stoppingToken.IsCancellationRequested)
        {
            if (batch.Interactions.Count == 0)
            {
                if (!await _buffer.Reader.WaitToReadAsync(stoppingToken))
                {
                    return;
                }

                // Wait a little for a fuller batch, unless one is full already.
                if (_buffer.Reader.Count < _options.UpstreamBatchSize)
                {
                    await Task.Delay(_options.UpstreamFlushInterval, _time, stoppingToken);
                }

                while (batch.Interactions.Count < _options.UpstreamBatchSize && _buffer.Reader.TryRead(out var item))
                {
                    batch.Interactions.Add(item);
                }
            }

            try
            {
                await _calls.CallAsync(static (index, args, token) => args._channels.EventsClient(index).ForwardAsync(args.batch, cancellationToken: token).ResponseAsync, (_channels, batch), stoppingToken);
                batch = new InteractionBatch { EdgeId = _edgeId };
                failures = 0;
            }
            catch (OriginUnavailableException exception)
            {
                // Kept for the next attempt: the origin did not answer (or its circuit is open).
                if (!exception.CircuitOpen)
                {
                    RecommendationsLog.EventsForwardFailed(_logger, batch.Interactions.Count, exception);
                }

                failures++;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 200 * Math.Pow(2, Math.Min(failures, 8)))), _time, stoppingToken);
            }
            catch (RpcException exception) when (!stoppingToken.IsCancellationRequested)
            {
                RecommendationsLog.EventsForwardFailed(_logger, batch.Interactions.Count, exception);
                if (exception.StatusCode is StatusCode.InvalidArgument or StatusCode.PermissionDenied or StatusCode.Unauthenticated)
                {
                    // The origin will never take this batch: drop it rather than retry forever.
                    batch = new InteractionBatch { EdgeId = _edgeId };
                }

                failures++;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(30_000, 200 * Math.Pow(2, Math.Min(failures, 8)))), _time, stoppingToken);
            }
        }
    }

    private void OnDropped()
    {
        var dropped = Interlocked.Increment(ref _dropped);
        _metrics.EventsDropped(1);
        // One warning per 1,000 drops: a full buffer must not flood the log.
        if (dropped % 1000 == 1)
        {
            RecommendationsLog.EventsDropped(_logger, dropped);
        }
    }
}
