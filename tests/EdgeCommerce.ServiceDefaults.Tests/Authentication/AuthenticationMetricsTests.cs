using System.Diagnostics.Metrics;
using EdgeCommerce.ServiceDefaults.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace EdgeCommerce.ServiceDefaults.Tests.Authentication;

/// <summary>Refused tokens are counted by reason class, labels from a closed set, never the token or its claims.</summary>
public sealed class AuthenticationMetricsTests
{
    [Fact]
    public async Task Rejections_CountedByReasonClass_GoodTokensAndAnonymousNotCounted()
    {
        // Arrange
        var ct = TestContext.Current.CancellationToken;
        await using var host = await AuthProbeHost.StartAsync(ct);
        using var collector = new MetricCollector<long>(host.Services.GetRequiredService<IMeterFactory>(), AuthenticationMetrics.MeterName, "edgecommerce.auth.token.rejections");
        var good = host.Tokens.Mint(host.Now);
        var expired = host.Tokens.Mint(host.Now.AddHours(-2), lifetime: TimeSpan.FromMinutes(10));
        using var stranger = new TokenFactory("some-other-key");

        // Act
        await host.GetAsync(AdversarialCases.Recs, $"Bearer {good}", ct);
        await host.GetAsync(AdversarialCases.Public, default, ct);
        await host.GetAsync(AdversarialCases.Recs, "Basic dXNlcjpwYXNz", ct);
        await host.GetAsync(AdversarialCases.Recs, "Bearer not.a.token", ct);
        await host.GetAsync(AdversarialCases.Recs, $"Bearer {expired}", ct);
        await host.GetAsync(AdversarialCases.Recs, $"Bearer {stranger.Mint(host.Now)}", ct);

        // Assert
        var reasons = collector.GetMeasurementSnapshot().Select(static m => (string?)m.Tags["reason"]).ToList();
        Assert.Equal(["malformed", "malformed", "rejected", "unknown_key"], reasons);
        Assert.All(collector.GetMeasurementSnapshot(), static m => Assert.Equal(["reason"], m.Tags.Keys));
    }
}
