using System.Text.RegularExpressions;
using EdgeCommerce.Cli.Tests.Infrastructure;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.Cli.Tests.Rehearse;

/// <summary><c>rehearse</c> end to end with a fake k6: a real stack, a real drop, the fake's calls through the real routes.</summary>
public sealed partial class RehearseProcessTests
{
    /// <summary>
    /// Stands in for k6: takes what rehearse passes (the summary path on its command line, the
    /// targets and the operator token in its environment), does what drop-spike.js does for one
    /// viewer with curl (discovers the drop on the edge, mints a viewer token the README's way,
    /// reserves once the drop opens, confirms), then writes a k6-style --summary-export file with
    /// one threshold that held and one that failed, and exits 99 as k6 does then.
    /// </summary>
    private const string FakeK6 = """
        #!/usr/bin/env bash
        set -euo pipefail
        summary=""
        for argument in "$@"; do case "$argument" in --summary-export=*) summary="${argument#--summary-export=}";; esac; done
        [[ -n "$summary" && -n "$ADMIN_TOKEN" && -n "$EDGE_URL" && -n "$ORIGIN_URL" && "$DROP_CREATOR" == nova-threads ]] || { echo "fake k6: missing input" >&2; exit 3; }
        drops=$(curl -sf "$EDGE_URL/v1/creators/$DROP_CREATOR/drops")
        sku=$(echo "$drops" | grep -o '"skuId":"[^"]*"' | head -1 | cut -d'"' -f4)
        echo "$drops" | grep -q "\"dropId\":\"$DROP\"" || { echo "fake k6: the edge does not list $DROP: $drops" >&2; exit 3; }
        token=$(curl -sf -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' \
          -d "{\"subject\":\"k6-viewer-0\",\"creatorId\":\"$DROP_CREATOR\",\"scopes\":[\"recs:read\",\"drop:rsvp\",\"drop:reserve\"],\"ttlSeconds\":3600,\"audience\":\"edge\"}" \
          "$ORIGIN_URL/admin/v1/tokens" | grep -o '"token":"[^"]*"' | cut -d'"' -f4)
        curl -sf "$EDGE_URL/v1/creators/$DROP_CREATOR/widget" >/dev/null
        curl -sf -H "Authorization: Bearer $token" "$EDGE_URL/v1/recommendations?creatorId=$DROP_CREATOR&k=8" >/dev/null
        reservation=""
        for attempt in $(seq 1 60); do
          answer=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -H "Idempotency-Key: fake-$attempt" \
            -d "{\"skuId\":\"$sku\",\"quantity\":1}" "$EDGE_URL/v1/drops/$DROP/reservations")
          if [[ "$(echo "$answer" | tail -1)" == 201 ]]; then reservation=$(echo "$answer" | head -1 | grep -o '"reservationId":"[^"]*"' | cut -d'"' -f4); break; fi
          sleep 0.5
        done
        [[ -n "$reservation" ]] || { echo "fake k6: no reservation: $answer" >&2; exit 3; }
        curl -sf -X POST -H "Authorization: Bearer $token" "$EDGE_URL/v1/reservations/$reservation/confirm" >/dev/null
        cat > "$summary" <<JSON
        {"metrics": {
          "http_req_duration{name:widget}": {"avg": 2.0, "p(95)": 4.2, "thresholds": {"p(95)<25": false}},
          "http_req_duration{name:reserve}": {"avg": 150.0, "p(95)": 180.0, "thresholds": {"p(95)<100": true}}
        }}
        JSON
        echo "fake k6: reserved and confirmed $reservation of $sku"
        exit 99
        """;

    [Fact]
    public async Task Rehearse_FakeK6_PrintsVerdictsEdgeP95AndTheDropsOutcomeAndFailsOnTheFailedThreshold()
    {
        // Arrange
        var cancellationToken = TestContext.Current.CancellationToken;
        using var work = new TempDirectory("edgecommerce-cli-rehearse");
        var k6 = work.Combine("k6");
        await File.WriteAllTextAsync(k6, FakeK6.Replace("\r\n", "\n", StringComparison.Ordinal) + "\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(k6, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        // Act
        var run = await CliRun.RunAsync(["rehearse", "--k6", k6, "--data", work.Combine("stack"), "--edges", "1", "--viewers", "5", "--ramp", "1", "--hold", "1", "--opens-in", "1", "--units", "4"],
            work.Path, cancellationToken);

        // Assert: exit 1 for the failed threshold, and the whole report.
        Assert.True(run.ExitCode == 1, run.ToString());
        Assert.Contains("fake k6: reserved and confirmed", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"ok\s+http_req_duration\{name:widget\}\s+p\(95\)<25\s+4\.2 ms", run.Out);
        Assert.Matches(@"FAIL\s+http_req_duration\{name:reserve\}\s+p\(95\)<100\s+180\.0 ms", run.Out);
        Assert.Matches(@"edge-1\s+/v1/creators/\{creatorId\}/widget\s+\d+\s+[\d.]+ ms", run.Out);
        Assert.Matches(@"edge-1\s+/v1/drops/\{dropId\}/reservations\s+\d+\s+[\d.]+ ms", run.Out);
        Assert.Matches(DropLine(), run.Out);
        Assert.Contains("FAIL: k6 threshold http_req_duration{name:reserve} p(95)<100 failed (180.0 ms)", run.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("oversold 1", run.Out, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Drop rehearsal-[\d-]+: sold 1 of 12 units; oversold 0 \(must be 0\); 5xx other than 503: 0 \(must be 0\)")]
    private static partial Regex DropLine();
}
