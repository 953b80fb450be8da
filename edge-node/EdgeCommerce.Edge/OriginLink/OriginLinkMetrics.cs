using System.Diagnostics.Metrics;
using System.Globalization;

namespace EdgeCommerce.Edge.OriginLink;

/// <summary>
/// The circuits to the origin:
/// <list type="bullet">
/// <item><c>edgecommerce.origin.circuit.state</c> ({state}): per origin replica (tag <c>origin.replica</c>, its position in
/// <c>Sync:OriginAddress</c> then <c>Sync:OriginAddresses</c>), 0 closed, 1 half-open, 2 open;</item>
/// <item><c>edgecommerce.origin.circuit.transitions</c> ({transition}): circuit transitions by the state entered (closed, half_open, open).</item>
/// </list>
/// </summary>
internal sealed class OriginLinkMetrics : IDisposable
{
    public const string MeterName = "EdgeCommerce.Edge.OriginLink";
    private const string ReplicaTag = "origin.replica";
    private const string StateTag = "state";

    private readonly Meter _meter;
    private readonly Counter<long> _transitions;
    private OriginCalls? _calls;

    public OriginLinkMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _transitions = _meter.CreateCounter<long>("edgecommerce.origin.circuit.transitions", "{transition}",
            "Transitions of the circuits to the origin replicas, by the state entered (closed, half_open, open).");
        _meter.CreateObservableGauge("edgecommerce.origin.circuit.state", Read, "{state}",
            "The circuit to each origin replica: 0 closed (calls go through), 1 half-open (one probe), 2 open (calls refused at once).");
    }

    /// <summary>The calls whose circuits the gauge reads (set once by <see cref="OriginCalls"/>).</summary>
    public void Observe(OriginCalls calls) => _calls = calls;

    public void Transitioned(OriginCircuitState state)
        => _transitions.Add(1, new KeyValuePair<string, object?>(StateTag, state switch
        {
            OriginCircuitState.Open => "open",
            OriginCircuitState.HalfOpen => "half_open",
            _ => "closed",
        }));

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<int>> Read()
    {
        if (_calls is not { } calls)
        {
            yield break;
        }

        for (var i = 0; i < calls.Count; i++)
        {
            yield return new Measurement<int>((int)calls.StateOf(i), new KeyValuePair<string, object?>(ReplicaTag, i.ToString(CultureInfo.InvariantCulture)));
        }
    }
}
