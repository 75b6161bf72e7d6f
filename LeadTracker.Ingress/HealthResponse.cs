using System.Text.Json;
using LeadTracker.Contracts;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LeadTracker.Ingress;

/// <summary>
/// /health/ready as JSON an operator can read: status, why, and the spool depth. The ingress faces the internet
/// (Kapso must reach it): the why goes only to a local request (<see cref="LocalRequest"/>), anyone else gets the status.
/// </summary>
internal static class HealthResponse
{
    public static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        if (!LocalRequest.Is(http.Connection.RemoteIpAddress, http.Request.Headers.ContainsKey)) return JsonSerializer.SerializeAsync(http.Response.Body, new { status = report.Status.ToString() });
        return JsonSerializer.SerializeAsync(http.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data,
            }),
        });
    }
}
