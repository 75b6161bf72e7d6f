using LeadTracker.Hosting;
using LeadTracker.Worker.Alerts;
using LeadTracker.Worker.Backup;
using LeadTracker.Worker.Reconcile;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LeadTracker.Worker;

/// <summary>
/// The worker's health endpoints (<see cref="HealthJson"/>): beside the checks, the last Kapso catch-up (when, its
/// result and counts, its lag) and the last backup. Catch-up never changes the status code: a Kapso outage must not
/// take a healthy worker out of service.
/// </summary>
internal static class WorkerHealthResponse
{
    public static Task WriteAsync(HttpContext http, HealthReport report) => HealthJson.WriteAsync(http, report, details: Details);

    private static IEnumerable<KeyValuePair<string, object?>> Details(HttpContext http)
    {
        var now = DateTimeOffset.UtcNow;
        var catchUp = http.RequestServices.GetService<ReconcileStatus>() is { } status ? status.Current : null;
        yield return new("catchUp", catchUp is null ? null : new
        {
            enabled = catchUp.Enabled,
            lastRunAt = catchUp.LastRunAt,
            result = catchUp.Result,
            last = catchUp.Tally,
            watermark = catchUp.Watermark,
            lagSeconds = catchUp.Watermark is { } w ? Math.Round((now - w).TotalSeconds) : (double?)null,
        });
        yield return new("backup", http.RequestServices.GetService<BackupStatus>()?.Json());
        yield return new("alerts", http.RequestServices.GetService<AlertStatus>()?.Json());
    }
}
