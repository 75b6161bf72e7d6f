namespace LeadTracker.Contracts;

/// <summary>
/// One Kapso contact event (<c>whatsapp.contact.*</c>, or a legacy <c>contact.updated</c>), relayed as signed.
/// The same envelope as <see cref="KapsoMessageEvent"/>, on its own queue so operators see each stream.
/// </summary>
public sealed record KapsoContactEvent : IKapsoEvent
{
    public required string EventType { get; init; }

    public string? IdempotencyKey { get; init; }

    public required string PayloadJson { get; init; }

    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the webhook request that carried the event: the worker's span for this event
    /// is its child, so one trace runs from the request to the commit even when a broker message carries many events.
    /// </summary>
    public string? TraceParent { get; init; }
}
