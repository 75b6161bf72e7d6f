using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LeadTracker.Worker;

/// <summary>Not ready while the lead database's disk is full: events wait unacknowledged in the queue until it has room.</summary>
internal sealed class DiskFullHealthCheck(DiskFullStatus disk) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(disk.Current is { } full
            ? HealthCheckResult.Unhealthy(
                $"database disk full since {full.Since:u} ({full.Reason}): writes wait, nothing is acknowledged until there is room")
            : HealthCheckResult.Healthy("database disk has room"));
}
