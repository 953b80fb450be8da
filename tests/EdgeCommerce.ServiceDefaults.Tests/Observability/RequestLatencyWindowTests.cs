using System.Diagnostics.Metrics;
using EdgeCommerce.ServiceDefaults.Observability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace EdgeCommerce.ServiceDefaults.Tests.Observability;

public sealed class RequestLatencyWindowTests : IDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _services.Dispose();

    [Fact]
    public void Snapshot_KnownDistribution_PercentilesWithinFivePercent()
    {
        // Arrange: 950 fast requests (100 µs) and 50 slow ones (20 ms): p50 and p95 fast, p99 slow.
        using var window = new RequestLatencyWindow(Factory(), _time);
        for (var i = 0; i < 950; i++)
        {
            window.Record("/a", 0.000100, serverError: false);
        }

        for (var i = 0; i < 50; i++)
        {
            window.Record("/a", 0.020, serverError: i < 5);
        }

        // Act
        var route = Assert.Single(window.Snapshot());

        // Assert
        Assert.Equal(1000, route.Count);
        Assert.Equal(5, route.ServerErrors);
        Assert.InRange(route.P50Ms!.Value, 0.095, 0.105);
        Assert.InRange(route.P95Ms!.Value, 0.095, 0.105);
        Assert.InRange(route.P99Ms!.Value, 19, 21);
        Assert.Equal(RequestLatencyWindow.Seconds, route.Series.Count);
        Assert.Equal(1000, route.Series[^1].Count);
    }

    [Fact]
    public void Snapshot_AfterAMinute_ForgetsOldRequestsAndKeepsNewOnes()
    {
        // Arrange
        using var window = new RequestLatencyWindow(Factory(), _time);
        window.Record("/old", 0.001, serverError: false);
        _time.Advance(TimeSpan.FromSeconds(30));
        window.Record("/new", 0.002, serverError: false);

        // Act
        _time.Advance(TimeSpan.FromSeconds(31));
        var routes = window.Snapshot();
        var overall = window.Overall();

        // Assert: /old is 61 s old, /new 31 s.
        var route = Assert.Single(routes);
        Assert.Equal("/new", route.Route);
        Assert.Equal(1, overall.Count);
        Assert.Equal(1, route.Series[RequestLatencyWindow.Seconds - 1 - 31].Count);
    }

    /// <summary>Catches lost updates: every increment of every writer must be counted.</summary>
    [Fact]
    public async Task Record_ConcurrentWriters_CountsEveryRequest()
    {
        // Arrange
        using var window = new RequestLatencyWindow(Factory(), _time);
        const int Writers = 8;
        const int PerWriter = 20_000;

        // Act
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < PerWriter; i++)
            {
                window.Record(w % 2 == 0 ? "/even" : "/odd", 0.0001 * (1 + (i % 50)), serverError: false);
            }
        }, TestContext.Current.CancellationToken)));

        // Assert
        Assert.Equal(Writers * PerWriter, window.Overall().Count);
        Assert.Equal(Writers * PerWriter / 2, window.Snapshot().Single(r => r.Route == "/even").Count);
    }

    [Fact]
    public void Listener_HostingDurationOfThisHostOnly_RecordsRouteAndSkipsMachinery()
    {
        // Arrange: the same instrument from this host's meter factory and from another host's.
        var factory = Factory();
        using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var window = new RequestLatencyWindow(factory, _time);
        var mine = factory.Create(TelemetryNames.HostingMeter).CreateHistogram<double>(TelemetryNames.RequestDuration, "s");
        var theirs = other.GetRequiredService<IMeterFactory>().Create(TelemetryNames.HostingMeter).CreateHistogram<double>(TelemetryNames.RequestDuration, "s");

        // Act
        mine.Record(0.001, new KeyValuePair<string, object?>(TelemetryNames.RouteTag, "/v1/things/{id}"), new KeyValuePair<string, object?>(TelemetryNames.StatusCodeTag, 503));
        mine.Record(0.001, new KeyValuePair<string, object?>(TelemetryNames.RouteTag, "/metrics"));
        mine.Record(0.001, new KeyValuePair<string, object?>(TelemetryNames.RouteTag, "/dashboard/data.json"));
        theirs.Record(0.001, new KeyValuePair<string, object?>(TelemetryNames.RouteTag, "/v1/things/{id}"));

        // Assert
        var route = Assert.Single(window.Snapshot());
        Assert.Equal("/v1/things/{id}", route.Route);
        Assert.Equal(1, route.Count);
        Assert.Equal(1, route.ServerErrors);
    }

    private IMeterFactory Factory() => _services.GetRequiredService<IMeterFactory>();
}
