using System.Text.Json;
using LeadTracker.Contracts;
using LeadTracker.Worker.Alerts;
using LeadTracker.Worker.Backup;
using LeadTracker.Worker.Reconcile;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LeadTracker.Worker;

/// <summary>
/// The worker's health endpoints as JSON an operator can read: the status and each check (what readiness is
/// about), and beside them the last Kapso catch-up: when, its result and counts, and its lag. Catch-up never
/// changes the status code: a Kapso outage must not take a healthy worker out of service. The details (file paths,
/// SQLite errors, catch-up state) go only to a local request (<see cref="LocalRequest"/>); anyone else gets the status.
/// </summary>
internal static class WorkerHealthResponse
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        if (!LocalRequest.Is(http.Connection.RemoteIpAddress, http.Request.Headers.ContainsKey))
            return JsonSerializer.SerializeAsync(http.Response.Body, new { status = report.Status.ToString() }, Json);

        var now = DateTimeOffset.UtcNow;
        var catchUp = http.RequestServices.GetService<ReconcileStatus>() is { } status ? status.Current : null;
        return JsonSerializer.SerializeAsync(http.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
            }),
            catchUp = catchUp is null ? null : new
            {
                enabled = catchUp.Enabled,
                lastRunAt = catchUp.LastRunAt,
                result = catchUp.Result,
                last = catchUp.Tally,
                watermark = catchUp.Watermark,
                lagSeconds = catchUp.Watermark is { } w ? Math.Round((now - w).TotalSeconds) : (double?)null,
            },
            backup = http.RequestServices.GetService<BackupStatus>()?.Json(),
            alerts = http.RequestServices.GetService<AlertStatus>()?.Json(),
        }, Json);
    }
}
