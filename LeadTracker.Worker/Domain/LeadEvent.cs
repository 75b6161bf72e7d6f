namespace LeadTracker.Worker.Domain;

/// <summary>
/// One fact LeadTracker learned from a webhook, in domain terms and with event times only, so that
/// <see cref="Storage.LeadStore"/> can apply it idempotently and in any order.
/// </summary>
internal sealed record LeadEvent
{
    public required string EventType { get; init; }

    /// <summary>The business number (Kapso's <c>phone_number_id</c>) that owns the workspace.</summary>
    public required string PhoneNumberId { get; init; }

    /// <summary>The lead the event is about; null for events that touch no contact (conversation events).</summary>
    public ContactFact? Contact { get; init; }

    public MessageFact? Message { get; init; }

    public MarketingFact? Marketing { get; init; }

    public required long ReceivedAtMs { get; init; }

    /// <summary>
    /// The time the payload claimed, when it was more than <see cref="Kapso.KapsoEventParser.MaxAheadOfReceipt"/> after
    /// <see cref="ReceivedAtMs"/> and the event's time was clamped to the receipt instead; null otherwise. Kept so
    /// the clamp is logged where the event is applied (the parser has no logger).
    /// </summary>
    public long? ClampedFromMs { get; init; }
}
