using System.Diagnostics.Metrics;

namespace EdgeCommerce.Tests.Common;

/// <summary>Meters for one test (scoped to this factory, so collectors see no other test's), disposed with it.</summary>
public sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var meter = new Meter(options.Name, options.Version, options.Tags, scope: this);
        lock (_meters)
        {
            _meters.Add(meter);
        }

        return meter;
    }

    public void Dispose()
    {
        lock (_meters)
        {
            _meters.ForEach(static m => m.Dispose());
        }
    }
}
