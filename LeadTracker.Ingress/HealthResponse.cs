using System.Text.Json;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LeadTracker.Ingress;

/// <summary>/health/ready as JSON an operator can read: status, why, and the spool depth.</summary>
internal static class HealthResponse
{
    public static Task WriteAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
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
