namespace LeadTracker.Contracts;

/// <summary>
/// One Kapso message or conversation event (<c>whatsapp.message.*</c>, <c>whatsapp.conversation.*</c>, or a raw
/// Meta forward), relayed by the ingress exactly as Kapso signed it. The worker parses <see cref="PayloadJson"/>;
/// the ingress never looks deeper than it must.
/// </summary>
public sealed record KapsoMessageEvent : IKapsoEvent
{
    /// <summary>The <c>X-Webhook-Event</c> header (or the batch body's <c>type</c>).</summary>
    public required string EventType { get; init; }

    /// <summary><c>X-Idempotency-Key</c>, suffixed with <c>#index</c> for an item of a batch; null when absent.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>The event's JSON: the whole body, or one <c>data[]</c> item of a batch.</summary>
    public required string PayloadJson { get; init; }

    /// <summary>When the ingress received the webhook: the event time when the payload carries none.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the webhook request that carried the event: the worker's span for this event
    /// is its child, so one trace runs from the request to the commit even when a broker message carries many events.
    /// </summary>
    public string? TraceParent { get; init; }
}
