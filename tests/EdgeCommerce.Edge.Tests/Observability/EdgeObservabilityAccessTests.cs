using System.Net;
using EdgeCommerce.Edge.Tests.Infrastructure;
using EdgeCommerce.ServiceDefaults.Observability;
using Microsoft.Extensions.DependencyInjection;

namespace EdgeCommerce.Edge.Tests.Observability;

/// <summary>
/// Tests that read the OpenTelemetry exporter (<c>/metrics</c>) run alone. OpenTelemetry's meter
/// provider subscribes to meters by name across the whole process, and a test host's instruments
/// share their metric streams with every other host's of the same name: a host disposed by a test
/// running in parallel ends those streams, and the next scrape of another host shows none of its
/// own metrics. One process per service (as in production) never has this problem.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMetersGroup
{
    public const string Name = "Process-wide OpenTelemetry meters";
}

/// <summary>Who may read <c>/metrics</c> and the dashboard; its own host, so the shared one's streams stay whole.</summary>
[Collection(ProcessMetersGroup.Name)]
public sealed class EdgeObservabilityAccessTests
{
    [Fact]
    public async Task GetMetricsAndDashboard_FromRemoteAddressByDefault_Return404()
    {
        // Arrange: the default (AllowRemote false); TestServer requests carry no remote address, which must not pass.
        var ct = TestContext.Current.CancellationToken;
        await using var edge = new EdgeApiFixture(keepSyncWorker: false, services => services.Configure<ObservabilityOptions>(o => o.AllowRemote = false));
        await edge.InitializeAsync();
        using var client = edge.CreateClient();

        // Act
        using var metrics = await client.GetAsync("/metrics", ct);
        using var page = await client.GetAsync("/dashboard", ct);
        using var data = await client.GetAsync("/dashboard/data.json", ct);

        // Assert
        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, data.StatusCode);
        Assert.DoesNotContain("edgecommerce", await metrics.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
    }
}
