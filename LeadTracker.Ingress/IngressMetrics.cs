using System.Diagnostics.Metrics;
using LeadTracker.Ingress.Spool;

namespace LeadTracker.Ingress;

/// <summary>
/// The ingress's meter, exported at <c>/metrics</c> (README, "Telemetry"): webhooks by outcome and status code,
/// events by type and outcome, and the spool's depth.
/// </summary>
internal sealed class IngressMetrics
{
    public const string MeterName = "LeadTracker.Ingress";

    private readonly Meter _meter;
    private readonly Counter<long> _webhooks;
    private readonly Counter<long> _events;

    public IngressMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _webhooks = _meter.CreateCounter<long>("leadtracker.ingress.webhooks", description: "Webhook requests by outcome (published, spooled, rejected) and status code");
        _events = _meter.CreateCounter<long>("leadtracker.ingress.events", description: "Events by type and what became of them");
    }

    /// <param name="outcome"><c>published</c> or <c>spooled</c> for a 200; anything else is <c>rejected</c>.</param>
    public void Webhook(int status, string? outcome = null) => _webhooks.Add(1,
        new KeyValuePair<string, object?>("outcome", outcome ?? (status == StatusCodes.Status200OK ? "published" : "rejected")),
        new KeyValuePair<string, object?>("status", status));

    public void Event(string eventType, string outcome) =>
        _events.Add(1, new KeyValuePair<string, object?>("event_type", eventType), new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>Events waiting in the spool for the broker: above zero only during (or just after) an outage.</summary>
    public void ObserveSpool(EventSpool spool) =>
        _meter.CreateObservableGauge("leadtracker.ingress.spool.depth", () => spool.Depth, unit: "{event}",
            description: "Events in the local spool waiting for RabbitMQ");
}
