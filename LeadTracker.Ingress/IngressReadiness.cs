using LeadTracker.Ingress.Spool;
using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace LeadTracker.Ingress;

/// <summary>
/// Ready = webhooks will be answered 200. Healthy: broker connected, spool empty. Degraded (still 200 from
/// /health/ready): the broker is down or the spool is draining, with its depth. Unhealthy: broker down and no
/// spool to fall back on, or the spool is full.
/// </summary>
internal sealed class IngressReadiness(IBusControl bus, EventSpool spool, IOptions<SpoolOptions> spoolOptions) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var broker = bus.CheckHealth();
        var brokerUp = broker.Status == BusHealthStatus.Healthy;
        var data = new Dictionary<string, object> { ["broker"] = broker.Status.ToString(), ["spoolDepth"] = spool.Depth };

        var result = (brokerUp, spool.Depth, spoolOptions.Value.Enabled) switch
        {
            (_, _, true) when spool.DiskFull is { } reason => HealthCheckResult.Unhealthy($"spool disk full ({spool.Depth} events held): {reason}", data: data),
            (_, _, true) when spool.IsFull => HealthCheckResult.Unhealthy($"spool full ({spool.Depth} events)", data: data),
            (true, 0, _) => HealthCheckResult.Healthy("broker connected", data),
            (true, var depth, _) => HealthCheckResult.Degraded($"broker connected, draining {depth} spooled events", data: data),
            (false, var depth, true) => HealthCheckResult.Degraded($"broker unavailable ({broker.Description}); spooling, {depth} events waiting", data: data),
            (false, _, false) => HealthCheckResult.Unhealthy($"broker unavailable ({broker.Description})", data: data),
        };
        return Task.FromResult(result);
    }
}
