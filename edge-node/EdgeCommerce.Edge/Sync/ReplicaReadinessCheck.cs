using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace EdgeCommerce.Edge.Sync;

/// <summary>
/// Ready once the replica holds a snapshot: before that the edge has nothing true to serve.
/// Not ready is Degraded (an expected state while starting), which /readyz answers with 503.
/// </summary>
internal sealed class ReplicaReadinessCheck(ReplicaHolder holder) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        => Task.FromResult(holder.Current.HasSnapshot
            ? HealthCheckResult.Healthy("The replica holds a snapshot.")
            : HealthCheckResult.Degraded("No snapshot yet."));
}
