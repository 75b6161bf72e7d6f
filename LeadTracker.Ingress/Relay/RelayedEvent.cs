using LeadTracker.Contracts;

namespace LeadTracker.Ingress.Relay;

/// <summary>One event of a webhook, ready to go to its stream's queue (or to the spool).</summary>
internal sealed record RelayedEvent(
    EventStream Stream,
    string EventType,
    string? IdempotencyKey,
    string PayloadJson,
    DateTimeOffset ReceivedAt)
{
    /// <summary>The W3C traceparent of the webhook request's span; null when nothing traces it.</summary>
    public string? TraceParent { get; init; }
}
