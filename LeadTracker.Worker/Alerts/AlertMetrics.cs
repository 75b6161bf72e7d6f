using System.Diagnostics.Metrics;

namespace LeadTracker.Worker.Alerts;

/// <summary>
/// Alerts as metrics (meter <c>LeadTracker.Worker.Alerts</c>, at <c>/metrics</c> like the others): deliveries sent
/// and failed, by kind; pending deliveries and the oldest pending one's age.
/// </summary>
internal sealed class AlertMetrics
{
    public const string MeterName = "LeadTracker.Worker.Alerts";

    // Created by, and disposed with, the host's IMeterFactory.
    private readonly Meter _meter;
    private readonly Counter<long> _sent;
    private readonly Counter<long> _failed;

    public AlertMetrics(IMeterFactory meters, AlertStatus status)
    {
        _meter = meters.Create(MeterName);
        _sent = _meter.CreateCounter<long>("leadtracker.alerts.sent", "{delivery}", "Alert deliveries a receiver accepted (2xx), by kind");
        _failed = _meter.CreateCounter<long>("leadtracker.alerts.failed", "{delivery}",
            "Alert deliveries given up: refused (4xx), endpoint gone (410), or retried for RetryFor without success; by kind");
        _meter.CreateObservableGauge("leadtracker.alerts.pending", () => status.Current.Pending, "{delivery}",
            "Alert deliveries not yet accepted and still being tried");
        _meter.CreateObservableGauge("leadtracker.alerts.oldest_pending_age", () => status.OldestPendingAgeSeconds, "s",
            "Age of the oldest pending delivery's alert (0: none pending)");
    }

    public void Sent(string kind) => _sent.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Failed(string kind) => _failed.Add(1, new KeyValuePair<string, object?>("kind", kind));
}
