using EdgeCommerce.Cli.Common;
using EdgeCommerce.Cli.Rehearse;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Rehearse;

/// <summary>The rehearsal's verdict: k6's thresholds (both summary formats), the edges' own P95 and the drop's invariants.</summary>
public sealed class RehearsalVerdictTests
{
    /// <summary>What <c>k6 run --summary-export</c> writes: a threshold's true means it failed.</summary>
    private const string SummaryExport = """
        {"metrics": {
          "http_req_duration{name:reserve}": {"avg": 20.1, "p(95)": 140.5, "thresholds": {"p(95)<100": true, "p(99)<300": false}},
          "http_req_failed": {"passes": 3, "fails": 997, "value": 0.003, "thresholds": {"rate<0.01": false}},
          "server_errors": {"count": 0, "rate": 0, "thresholds": {"count<1": false}},
          "iterations": {"count": 120, "rate": 4.0}
        }}
        """;

    /// <summary>What handleSummary receives: {"ok": ...} per threshold, values under "values".</summary>
    private const string HandleSummary = """
        {"metrics": {
          "checks": {"type": "rate", "values": {"rate": 0.995, "passes": 995, "fails": 5}, "thresholds": {"rate>0.99": {"ok": true}}},
          "http_req_duration{name:widget}": {"type": "trend", "values": {"p(95)": 31.2}, "thresholds": {"p(95)<25": {"ok": false}}}
        }}
        """;

    [Fact]
    public void ReadThresholds_SummaryExport_TrueMeansFailed()
    {
        // Act
        var verdicts = K6Summary.ReadThresholds(SummaryExport).ToDictionary(static v => v.Metric + " " + v.Expression);

        // Assert
        Assert.Equal(4, verdicts.Count);
        Assert.False(verdicts["http_req_duration{name:reserve} p(95)<100"].Passed);
        Assert.Equal(140.5, verdicts["http_req_duration{name:reserve} p(95)<100"].Value);
        Assert.True(verdicts["http_req_duration{name:reserve} p(99)<300"].Passed);
        Assert.True(verdicts["http_req_failed rate<0.01"].Passed);
        Assert.Equal("0.3%", K6Summary.Format(verdicts["http_req_failed rate<0.01"]));
        Assert.Equal("0", K6Summary.Format(verdicts["server_errors count<1"]));
    }

    [Fact]
    public void ReadThresholds_HandleSummaryData_OkMeansPassed()
    {
        // Act
        var verdicts = K6Summary.ReadThresholds(HandleSummary).ToDictionary(static v => v.Metric);

        // Assert
        Assert.True(verdicts["checks"].Passed);
        Assert.Equal(0.995, verdicts["checks"].Value);
        Assert.False(verdicts["http_req_duration{name:widget}"].Passed);
        Assert.Equal("31.2 ms", K6Summary.Format(verdicts["http_req_duration{name:widget}"]));
    }

    [Fact]
    public void ReadThresholds_NotASummary_OneClearError()
        => Assert.Contains("not valid JSON", Assert.Throws<CliException>(static () => K6Summary.ReadThresholds("k6 crashed")).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData(0, true, 0, 0, null)]
    [InlineData(99, false, 0, 0, "k6 threshold http_req_duration{name:reserve} p(95)<100 failed")]
    [InlineData(0, true, 2, 0, "oversold 2 units (must be 0)")]
    [InlineData(0, true, 0, 3, "3 answers were 5xx other than 503 (must be 0)")]
    [InlineData(107, true, 0, 0, "k6 exited with code 107")]
    public void Failures_EachThresholdAndInvariant_FailsTheRehearsal(int k6ExitCode, bool thresholdPassed, int oversold, int serverErrors, string? expected)
    {
        // Arrange
        var report = new RehearsalReport(k6ExitCode,
            [new ThresholdVerdict("http_req_duration{name:reserve}", "p(95)<100", thresholdPassed, 42.0)],
            [("edge-1", [new RouteLatency("/v1/drops/{dropId}/reservations", 500, 12.5, serverErrors, 7)])],
            new DropOutcome("rehearsal-1", 150, 150 + oversold, oversold));

        // Act
        var failures = report.Failures();
        var text = report.Format();

        // Assert
        if (expected is null)
        {
            Assert.Empty(failures);
            Assert.EndsWith("PASS: every threshold held, nothing was oversold, no 5xx.", text, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(failures, failure => failure.StartsWith(expected, StringComparison.Ordinal));
            Assert.Contains("FAIL: " + expected, text, StringComparison.Ordinal);
        }

        Assert.Contains("edge-1  /v1/drops/{dropId}/reservations  500       12.5 ms", text, StringComparison.Ordinal);
        Assert.Contains($"Drop rehearsal-1: sold {150 + oversold} of 150 units; oversold {oversold} (must be 0)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void EdgeLatency_PrometheusHistogram_P95PerRouteAndServerErrorsApartFrom503()
    {
        // Arrange: 100 widget reads, 90 within 5 ms and 10 within 10 ms; 10 reservations: 7 fine, 2 503s, 1 500.
        var metrics = """
            # TYPE http_server_request_duration_seconds histogram
            http_server_request_duration_seconds_bucket{http_request_method="GET",http_response_status_code="200",http_route="/v1/creators/{creatorId}/widget",le="0.005"} 90
            http_server_request_duration_seconds_bucket{http_request_method="GET",http_response_status_code="200",http_route="/v1/creators/{creatorId}/widget",le="0.01"} 100
            http_server_request_duration_seconds_bucket{http_request_method="GET",http_response_status_code="200",http_route="/v1/creators/{creatorId}/widget",le="+Inf"} 100
            http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="200",http_route="/v1/creators/{creatorId}/widget"} 100
            http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="201",http_route="/v1/drops/{dropId}/reservations",le="0.05"} 7
            http_server_request_duration_seconds_bucket{http_request_method="POST",http_response_status_code="201",http_route="/v1/drops/{dropId}/reservations",le="+Inf"} 7
            http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="201",http_route="/v1/drops/{dropId}/reservations"} 7
            http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="503",http_route="/v1/drops/{dropId}/reservations"} 2
            http_server_request_duration_seconds_count{http_request_method="POST",http_response_status_code="500",http_route="/v1/drops/{dropId}/reservations"} 1
            http_server_request_duration_seconds_count{http_request_method="GET",http_response_status_code="404"} 3
            """;

        // Act
        var routes = EdgeLatency.Parse(metrics).ToDictionary(static r => r.Route);

        // Assert
        Assert.Equal(2, routes.Count);
        var widget = routes["/v1/creators/{creatorId}/widget"];
        Assert.Equal(100, widget.Requests);
        Assert.Equal(7.5, widget.P95Milliseconds!.Value, 3);
        var reserve = routes["/v1/drops/{dropId}/reservations"];
        Assert.Equal((10L, 1L, 2L), (reserve.Requests, reserve.ServerErrors, reserve.Unavailable));
    }

    [Fact]
    public async Task Rehearse_NoK6OnPath_SaysHowToGetItAndExitsTwo()
    {
        // Arrange
        using var directory = new TempDirectory("edgecommerce-cli-test");
        var error = new StringWriter();
        var output = new StringWriter();
        var context = new CliContext
        {
            Out = output,
            Error = error,
            WorkingDirectory = directory.Path,
            GetEnvironmentVariable = name => name == "PATH" ? directory.Path : null,
        };

        // Act
        var exitCode = await CliApplication.RunAsync(["rehearse"], context);
        var givenExitCode = await CliApplication.RunAsync(["rehearse", "--k6", "no-such-k6"], context);

        // Assert
        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Equal(ExitCodes.UsageError, givenExitCode);
        Assert.Contains("https://grafana.com/docs/k6/latest/set-up/install-k6/", error.ToString(), StringComparison.Ordinal);
        Assert.Contains("--k6 PATH", error.ToString(), StringComparison.Ordinal);
        Assert.Contains(Path.Combine(directory.Path, "no-such-k6") + " is not an executable file", error.ToString(), StringComparison.Ordinal);
        Assert.Empty(output.ToString());
        Assert.Empty(Directory.EnumerateFileSystemEntries(directory.Path));
    }
}
