using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace LeadTracker.Tests.Alerts;

/// <summary>
/// The product with alerts on, for the alert pipeline tests: real ingress and worker processes, real RabbitMQ and
/// SQLite, the given receivers as endpoints 0, 1, …, short due times and retry waits through the environment.
/// </summary>
internal static class AlertSystem
{
    public static Dictionary<string, string> Settings(IReadOnlyList<AlertReceiver> receivers, int maxConcurrency = 4)
    {
        var settings = new Dictionary<string, string>
        {
            ["LeadTracker__Alerts__WaitingAfter"] = "00:00:02",
            ["LeadTracker__Alerts__ClosingWithin"] = "02:00:00",
            ["LeadTracker__Alerts__ScanInterval"] = "00:00:00.250",
            ["LeadTracker__Alerts__FirstRetryDelay"] = "00:00:01",
            ["LeadTracker__Alerts__MaxRetryDelay"] = "00:00:04",
            ["LeadTracker__Alerts__MaxConcurrency"] = maxConcurrency.ToString(CultureInfo.InvariantCulture),
            ["LeadTracker__Alerts__PageUrl"] = "http://127.0.0.1:5081/",
        };
        for (var i = 0; i < receivers.Count; i++)
        {
            settings[$"LeadTracker__Alerts__Endpoints__{i}__Url"] = receivers[i].Url.AbsoluteUri;
            settings[$"LeadTracker__Alerts__Endpoints__{i}__Secret"] = receivers[i].Secret;
        }

        return settings;
    }

    public static async Task PostAsync(LeadTrackerSystem system, IEnumerable<Webhook> webhooks)
    {
        foreach (var webhook in webhooks)
        {
            using var request = webhook.ToRequest();
            using var response = await system.Http.SendAsync(request);
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>The worker's health JSON's <c>alerts</c> object (a local request sees the details).</summary>
    public static async Task<JsonElement> HealthAlertsAsync(LeadTrackerSystem system)
    {
        using var http = new HttpClient { BaseAddress = system.WorkerUrl };
        var health = await http.GetFromJsonAsync<JsonElement>("/health/live");
        return health.GetProperty("alerts");
    }

    /// <summary>The lead phone and kind an alert body is about.</summary>
    public static (string Phone, string Type) About(ReceivedAlert alert)
    {
        var body = JsonDocument.Parse(alert.Body).RootElement;
        return (body.GetProperty("data").GetProperty("phone").GetString()!, body.GetProperty("type").GetString()!);
    }

    public static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, string what, LeadTrackerSystem system)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}.\n--- worker ---\n{system.Worker.Tail(60)}");
            await Task.Delay(100);
        }
    }
}
