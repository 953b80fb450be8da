using System.Globalization;
using EdgeCommerce.ServiceDefaults.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace EdgeCommerce.Edge.Streams;

/// <summary>
/// Counts the long-lived requests open on this edge, in total and per client network
/// (<see cref="ClientAddress"/>), against <see cref="StreamsOptions"/>. A request takes a slot
/// with <see cref="TryEnter"/> and gives it back by disposing the <see cref="Slot"/> when it ends
/// (the caller went away or the wait is over).
/// </summary>
/// <remarks>
/// One lock over a dictionary: a stream is opened once per page view, not per widget request, so
/// the lock is taken twice per stream's life and never on a hot path. Memory stays bounded: an
/// entry exists only while its client holds at least one slot, so there are at most
/// <see cref="StreamsOptions.MaxPerEdge"/> entries.
/// </remarks>
internal sealed partial class StreamSlots(IOptions<StreamsOptions> options, ILogger<StreamSlots> logger)
{
    private readonly StreamsOptions _options = options.Value;
    private readonly Lock _lock = new();
    private readonly Dictionary<UInt128, int> _perClient = [];
    private int _open;

    /// <summary>Long-lived requests open now on this edge.</summary>
    public int Open
    {
        get
        {
            lock (_lock)
            {
                return _open;
            }
        }
    }

    /// <summary>Takes a slot for <paramref name="context"/>'s client, or returns false when a cap is reached.</summary>
    public bool TryEnter(HttpContext context, out Slot slot)
    {
        ArgumentNullException.ThrowIfNull(context);
        var client = ClientAddress.KeyOf(context.Connection.RemoteIpAddress);
        lock (_lock)
        {
            _perClient.TryGetValue(client, out var held);
            if (_open >= _options.MaxPerEdge || held >= _options.MaxPerClient)
            {
                slot = default;
                StreamRefused(logger, _open >= _options.MaxPerEdge ? "edge" : "client");
                return false;
            }

            _perClient[client] = held + 1;
            _open++;
        }

        slot = new Slot(this, client);
        return true;
    }

    /// <summary>The 503 a refused caller gets: a problem with <c>Retry-After</c>.</summary>
    public ProblemHttpResult Refused(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Headers.RetryAfter = ((int)Math.Ceiling(_options.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        context.Response.Headers.CacheControl = "no-store";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Too many open streams.",
            detail: "This edge holds as many long-lived requests as it allows (from you or in total); retry later.");
    }

    private void Exit(UInt128 client)
    {
        lock (_lock)
        {
            var held = _perClient[client] - 1;
            if (held == 0)
            {
                _perClient.Remove(client);
            }
            else
            {
                _perClient[client] = held;
            }

            _open--;
        }
    }

    [LoggerMessage(EventId = 1750, EventName = "StreamRefused", Level = LogLevel.Debug,
        Message = "A long-lived request was refused: the {Cap} cap is reached.")]
    private static partial void StreamRefused(ILogger logger, string cap);

    /// <summary>A held slot; disposing it (once) gives it back.</summary>
    internal struct Slot : IDisposable
    {
        private StreamSlots? _owner;
        private readonly UInt128 _client;

        internal Slot(StreamSlots owner, UInt128 client)
        {
            _owner = owner;
            _client = client;
        }

        public void Dispose()
        {
            _owner?.Exit(_client);
            _owner = null;
        }
    }
}
