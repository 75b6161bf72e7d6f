namespace LeadTracker.Contracts;

/// <summary>
/// Broker message headers that say what an event is without reading its body: the ingress sets them, MassTransit
/// keeps them when it moves a message to <c>_error</c>, and <c>errors list</c> reads them there.
/// </summary>
public static class EventHeaders
{
    /// <summary>
    /// The Kapso event type (<c>X-Webhook-Event</c>), e.g. <c>whatsapp.message.received</c>; for a message carrying
    /// several events, their distinct types, comma-separated.
    /// </summary>
    public const string EventType = "LeadTracker-Event-Type";

    /// <summary>The event's idempotency key, on a message that carries one event that has one.</summary>
    public const string IdempotencyKey = "LeadTracker-Idempotency-Key";

    /// <summary>How many events the message carries.</summary>
    public const string EventCount = "LeadTracker-Event-Count";
}
