using System.Diagnostics.Metrics;
using LeadTracker.Contracts;
using LeadTracker.Ingress.Spool;

namespace LeadTracker.Ingress;

/// <summary>
/// The ingress's meter, exported at <c>/metrics</c> (docs/operations.md, "Telemetry"): webhooks by outcome and status code,
/// events by type and outcome, and the spool's depth.
/// </summary>
internal sealed class IngressMetrics
{
    public const string MeterName = "LeadTracker.Ingress";

    private readonly Meter _meter;
    private readonly Counter<long> _webhooks;
    private readonly Counter<long> _events;
    private readonly Histogram<long> _eventsPerWebhook;
    private readonly Counter<long> _headerMismatches;
    private readonly Counter<long> _unauthenticated;

    public IngressMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _webhooks = _meter.CreateCounter<long>("leadtracker.ingress.webhooks", description: "Webhook requests by outcome (published, spooled, rejected) and status code");
        _events = _meter.CreateCounter<long>("leadtracker.ingress.events", description: "Events by type and what became of them");
        _eventsPerWebhook = _meter.CreateHistogram<long>("leadtracker.ingress.webhook.events", unit: "{event}",
            description: "Events in one signed webhook body (a batch carries several)");
        _headerMismatches = _meter.CreateCounter<long>("leadtracker.ingress.event_header_mismatches",
            description: "Events whose X-Webhook-Event header disagreed with the signed body; the body decided");
        _unauthenticated = _meter.CreateCounter<long>("leadtracker.ingress.unauthenticated",
            description: "Webhook requests refused for their signature, by reason (missing, malformed, mismatch)");
    }

    /// <param name="outcome"><c>published</c> or <c>spooled</c> for a 200; anything else is <c>rejected</c>.</param>
    public void Webhook(int status, string? outcome = null) => _webhooks.Add(1,
        new KeyValuePair<string, object?>("outcome", outcome ?? (status == StatusCodes.Status200OK ? "published" : "rejected")),
        new KeyValuePair<string, object?>("status", status));

    /// <param name="eventType">A row of the table (<see cref="KapsoEventTypes.Ignored"/> is labelled <c>other</c>).</param>
    public void Event(KapsoEventType eventType, string outcome) =>
        _events.Add(1, new KeyValuePair<string, object?>("event_type", eventType.Name),
            new KeyValuePair<string, object?>("outcome", outcome));

    public void EventsInWebhook(int count) => _eventsPerWebhook.Record(count);

    public void HeaderMismatch(string? header, KapsoEventType signedType) => _headerMismatches.Add(1,
        new KeyValuePair<string, object?>("header", KapsoEventTypes.Label(header)),
        new KeyValuePair<string, object?>("event_type", signedType.Name));

    public void Unauthenticated(SignatureCheck check) =>
        _unauthenticated.Add(1, new KeyValuePair<string, object?>("reason", check.ToString().ToLowerInvariant()));

    /// <summary>Events waiting in the spool for the broker: above zero only during (or just after) an outage.</summary>
    public void ObserveSpool(EventSpool spool) =>
        _meter.CreateObservableGauge("leadtracker.ingress.spool.depth", () => spool.Depth, unit: "{event}",
            description: "Events in the local spool waiting for RabbitMQ");
}
