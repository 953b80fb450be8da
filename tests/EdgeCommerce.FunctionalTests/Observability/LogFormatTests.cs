using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeCommerce.Tests.Common;

namespace EdgeCommerce.FunctionalTests.Observability;

/// <summary>
/// What an on-call reads: the console log of a real edge process whose origin is down. Every line
/// carries a UTC timestamp and a level (the shipped <c>appsettings.json</c>), each reconnect attempt
/// is one line with its reason and the next delay (the stack trace is Debug only), and
/// <c>Logging:Console:FormatterName=json</c> turns every line into a JSON object.
/// </summary>
public sealed partial class LogFormatTests
{
    // Short backoff: many attempts in a few seconds.
    private static readonly string[] s_fastRetry = ["--Sync:InitialBackoff=00:00:00.050", "--Sync:MaxBackoff=00:00:00.200"];

    /// <summary>
    /// On the old code each attempt wrote an Information line and a Warning with a gRPC stack trace
    /// (lines starting with "   at "), without timestamps; this fails on any of the three.
    /// </summary>
    [Fact]
    public async Task ConsoleLog_OriginDown_OneTimestampedLinePerReconnectAttemptWithoutStackTraces()
    {
        // Arrange: nothing listens where the origin should be.
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        var nowhere = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        await using var edge = await EdgeNode.StartAsync("edge-logs", "eu-west", nowhere, "header.payload.signature", data.Combine("edge"), ct, s_fastRetry);

        // Act: let it fail a dozen times, then stop it.
        await edge.WaitForStatusAsync(static s => s.GetProperty("failedAttempts").GetInt64() >= 12, TimeSpan.FromSeconds(60), "a dozen failed attempts", ct);
        Assert.Equal(0, await edge.StopAsync());
        var lines = edge.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        // Assert: every line stamped and levelled; no stack trace anywhere.
        Assert.All(lines, static line => Assert.Matches(SimpleLine(), line));
        Assert.DoesNotContain(lines, static line => line.Contains(" at Grpc.", StringComparison.Ordinal) || line.Contains("RpcException", StringComparison.Ordinal));
        // One line per attempt: numbered 1, 2, 3, … with the reason and the next delay.
        var attempts = lines.Where(static line => line.Contains("SyncWorker[1104]", StringComparison.Ordinal)).ToList();
        Assert.True(attempts.Count >= 12, string.Join('\n', lines));
        for (var i = 0; i < attempts.Count; i++)
        {
            Assert.Contains($"failed (attempt {i + 1}): Unavailable: ", attempts[i], StringComparison.Ordinal);
            Assert.Matches($"retrying {Regex.Escape(nowhere.ToString())} in [0-9.]+ s\\.$", attempts[i]);
        }

        // Nothing else repeats per attempt: besides the attempts, only the start-up and shutdown lines.
        Assert.True(lines.Length - attempts.Count <= 12, "lines besides the attempts:\n" + string.Join('\n', lines.Where(static l => !l.Contains("[1104]", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task ConsoleLog_JsonFormatter_EveryLineIsAJsonObjectWithTimestampAndLevel()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        using var data = new TempDirectory();
        var nowhere = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        await using var edge = await EdgeNode.StartAsync("edge-json", "eu-west", nowhere, "header.payload.signature", data.Combine("edge"), ct,
            [.. s_fastRetry, "--Logging:Console:FormatterName=json"]);

        // Act
        await edge.WaitForStatusAsync(static s => s.GetProperty("failedAttempts").GetInt64() >= 3, TimeSpan.FromSeconds(60), "three failed attempts", ct);
        Assert.Equal(0, await edge.StopAsync());
        var lines = edge.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        // Assert
        Assert.NotEmpty(lines);
        foreach (var line in lines)
        {
            using var json = JsonDocument.Parse(line);
            Assert.Matches(UtcTimestamp(), json.RootElement.GetProperty("Timestamp").GetString());
            Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("LogLevel").GetString()));
        }

        Assert.Contains(lines, static line => line.Contains("\"EventId\":1104", StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z (trce|dbug|info|warn|fail|crit): \S")]
    private static partial Regex SimpleLine();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\s*$")]
    private static partial Regex UtcTimestamp();
}
