using EdgeCommerce.Cli.Bench;
using EdgeCommerce.Cli.Common;

namespace EdgeCommerce.Cli.Tests.Bench;

public sealed class BenchTargetTests
{
    [Fact]
    public void Parse_FullSpec_ReadsEverySetting()
    {
        // Act
        var target = BenchTarget.Parse("reserve=/v1/drops/d1/reservations;scope=drop:reserve;method=POST;body={\"skuId\":\"a\"}");

        // Assert
        Assert.Equal("reserve", target.Name);
        Assert.Equal("/v1/drops/d1/reservations", target.Path);
        Assert.Equal("drop:reserve", target.Scope);
        Assert.Equal("POST", target.Method);
        Assert.Equal("{\"skuId\":\"a\"}", target.BodyFor("c1"));
    }

    [Fact]
    public void PathFor_CreatorPlaceholder_IsReplacedEscaped()
    {
        // Arrange
        var target = BenchTarget.Parse("recs=/v1/creators/{creator}/recommendations?k=8;scope=recs:read");

        // Act
        var path = target.PathFor("nova threads");

        // Assert
        Assert.Equal("/v1/creators/nova%20threads/recommendations?k=8", path);
        Assert.Equal("GET", target.Method);
    }

    [Theory]
    [InlineData("no-equals")]
    [InlineData("=/path")]
    [InlineData("name=relative/path")]
    [InlineData("na me=/path")]
    [InlineData("name=/path;unknown=1")]
    [InlineData("name=/path;method=PATCH")]
    [InlineData("name=/path;scope=")]
    public void Parse_MalformedSpec_ThrowsCliException(string spec)
        => Assert.Throws<CliException>(() => BenchTarget.Parse(spec));

    [Fact]
    public void Script_WithTokensAndBody_SetsBearerPerRequestAndEscapesStrings()
    {
        // Arrange
        var target = BenchTarget.Parse("reserve=/v1/drops/d1/reservations;scope=drop:reserve;method=POST");

        // Act
        var lua = WrkRun.Script(target, "{\"skuId\":\"s\\1\"}", ["tok\"en-1", "token-2"]);

        // Assert
        Assert.Contains("wrk.method = \"POST\"", lua, StringComparison.Ordinal);
        Assert.Contains("wrk.body = \"{\\\"skuId\\\":\\\"s\\\\1\\\"}\"", lua, StringComparison.Ordinal);
        Assert.Contains("\"tok\\\"en-1\",", lua, StringComparison.Ordinal);
        Assert.Contains("wrk.headers[\"Authorization\"] = \"Bearer \" .. tokens[next]", lua, StringComparison.Ordinal);
        Assert.Contains("function done(summary, latency, requests)", lua, StringComparison.Ordinal);
    }

    [Fact]
    public void Script_WithoutTokens_DefinesNoRequestFunction()
    {
        // Act: the widget path must not pay for Lua on every request.
        var lua = WrkRun.Script(BenchTarget.Widget, null, null);

        // Assert
        Assert.DoesNotContain("function request()", lua, StringComparison.Ordinal);
        Assert.Contains("BENCH_JSON", lua, StringComparison.Ordinal);
    }

    [Fact]
    public void NginxConfig_ProxyCacheInFrontOfEdge_IgnoresCacheControlAndKeepsConnections()
    {
        // Act
        var config = NginxCache.Config("/tmp/x", 8088, new Uri("http://127.0.0.1:5101"), 2, runAsRoot: false);

        // Assert
        Assert.Contains("listen 127.0.0.1:8088", config, StringComparison.Ordinal);
        Assert.Contains("server 127.0.0.1:5101;", config, StringComparison.Ordinal);
        Assert.Contains("proxy_cache widgets;", config, StringComparison.Ordinal);
        Assert.Contains("proxy_ignore_headers Cache-Control Expires;", config, StringComparison.Ordinal);
        Assert.Contains("keepalive_requests 1000000;", config, StringComparison.Ordinal);
        Assert.DoesNotContain("user root;", config, StringComparison.Ordinal);
    }
}
