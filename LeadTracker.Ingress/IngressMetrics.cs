using System.Diagnostics.Metrics;

namespace LeadTracker.Ingress;

/// <summary>Counters for operators (<c>dotnet-counters monitor -n LeadTracker.Ingress --counters LeadTracker.Ingress</c>).</summary>
internal sealed class IngressMetrics
{
    public const string MeterName = "LeadTracker.Ingress";

    private readonly Counter<long> _webhooks;
    private readonly Counter<long> _events;

    public IngressMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _webhooks = meter.CreateCounter<long>("leadtracker.ingress.webhooks", description: "Webhook requests by answer");
        _events = meter.CreateCounter<long>("leadtracker.ingress.events", description: "Events by type and what became of them");
    }

    public void Webhook(int status) => _webhooks.Add(1, new KeyValuePair<string, object?>("status", status));

    public void Event(string eventType, string outcome) =>
        _events.Add(1, new KeyValuePair<string, object?>("event_type", eventType), new KeyValuePair<string, object?>("outcome", outcome));
}
