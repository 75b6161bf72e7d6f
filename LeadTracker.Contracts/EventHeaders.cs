namespace LeadTracker.Contracts;

/// <summary>
/// Broker message headers that say what an event is without reading its body: the ingress sets them, MassTransit
/// keeps them when it moves a message to <c>_error</c>, and <c>errors list</c> reads them there.
/// </summary>
public static class EventHeaders
{
    /// <summary>The Kapso event type (<c>X-Webhook-Event</c>), e.g. <c>whatsapp.message.received</c>.</summary>
    public const string EventType = "LeadTracker-Event-Type";

    /// <summary>The event's idempotency key; absent when the webhook had none.</summary>
    public const string IdempotencyKey = "LeadTracker-Idempotency-Key";
}
