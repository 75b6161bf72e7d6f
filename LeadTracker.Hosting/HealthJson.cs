using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LeadTracker.Hosting;

/// <summary>
/// Both apps' health endpoints as JSON an operator can read: the status and, for a local request only
/// (<see cref="LocalRequest"/>), each check with its description and what the app adds beside them. Anyone else gets
/// the status alone: the ingress faces the internet, and the worker's details name files and errors.
/// </summary>
public static class HealthJson
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <param name="withData">Whether each check's data (the ingress's broker state and spool depth) is shown.</param>
    /// <param name="details">Entries written after <c>checks</c> for a local request (the worker's catch-up and backup).</param>
    public static Task WriteAsync(HttpContext http, HealthReport report, bool withData = false,
        Func<HttpContext, IEnumerable<KeyValuePair<string, object?>>>? details = null)
    {
        http.Response.ContentType = "application/json";
        var status = report.Status.ToString();
        if (!LocalRequest.Is(http.Connection.RemoteIpAddress, http.Request.Headers.ContainsKey))
            return JsonSerializer.SerializeAsync(http.Response.Body, new { status }, Json);

        var body = new Dictionary<string, object?>
        {
            ["status"] = status,
            ["checks"] = report.Entries.ToDictionary(e => e.Key, e => withData
                ? (object)new { status = e.Value.Status.ToString(), description = e.Value.Description, data = e.Value.Data }
                : new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        };
        foreach (var (key, value) in details?.Invoke(http) ?? []) body[key] = value;
        return JsonSerializer.SerializeAsync(http.Response.Body, body, Json);
    }
}
