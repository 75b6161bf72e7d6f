using Dapper;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LeadTracker.Worker;

/// <summary>Ready only when the lead database opens and has its schema.</summary>
internal sealed class LeadDatabaseHealthCheck(SqliteConnectionFactory connections) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var db = connections.Open();
            var contacts = db.ExecuteScalar<long>("SELECT COUNT(*) FROM workspaces");
            return Task.FromResult(HealthCheckResult.Healthy($"{connections.DataSource}: {contacts} workspaces"));
        }
        catch (Exception e)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy($"{connections.DataSource}: {e.Message}"));
        }
    }
}
