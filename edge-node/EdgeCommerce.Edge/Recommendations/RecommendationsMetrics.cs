using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EdgeCommerce.Edge.Recommendations;

/// <summary>Recommendation metrics: inference duration by source, events accepted and dropped.</summary>
internal sealed class RecommendationsMetrics : IDisposable
{
    public const string MeterName = "EdgeCommerce.Edge.Recommendations";
    private const string SourceTag = "edgecommerce.recommendations.source";

    private readonly Meter _meter;
    private readonly Histogram<double> _inference;
    private readonly Counter<long> _eventsAccepted;
    private readonly Counter<long> _eventsDropped;

    public RecommendationsMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _inference = _meter.CreateHistogram<double>("edgecommerce.recommendations.inference.duration", "s", "Time to rank one request's candidates (model or popularity).");
        _eventsAccepted = _meter.CreateCounter<long>("edgecommerce.recommendations.events.accepted", "{event}", "Viewer events accepted by POST /v1/events.");
        _eventsDropped = _meter.CreateCounter<long>("edgecommerce.recommendations.events.dropped", "{event}", "Events dropped (oldest first) because the upstream buffer was full.");
    }

    public void Inference(RecommendationSource source, TimeSpan elapsed)
    {
        if (_inference.Enabled)
        {
            _inference.Record(elapsed.TotalSeconds, new TagList { { SourceTag, source == RecommendationSource.Model ? "model" : "popularity" } });
        }
    }

    public void EventsAccepted(int count) => _eventsAccepted.Add(count);

    public void EventsDropped(int count) => _eventsDropped.Add(count);

    public void Dispose() => _meter.Dispose();
}
