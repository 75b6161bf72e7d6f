namespace LeadTracker.Worker.Kapso;

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
    /// The time the payload claimed, when it was more than <see cref="KapsoEventParser.MaxAheadOfReceipt"/> after
    /// <see cref="ReceivedAtMs"/> and the event's time was clamped to the receipt instead; null otherwise. Kept so
    /// the clamp is logged where the event is applied (the parser has no logger).
    /// </summary>
    public long? ClampedFromMs { get; init; }
}

/// <summary>Who the lead is and what the event says about them, as of <see cref="ObservedAtMs"/>.</summary>
internal sealed record ContactFact
{
    /// <summary>
    /// <c>+digits</c>, in the one canonical form of its national variants (<see cref="NationalPhoneVariants"/>),
    /// whichever form it is given in; null when the payload carries no usable phone (BSUID-only users).
    /// </summary>
    public string? PhoneE164
    {
        get;
        init => field = value is null ? null : NationalPhoneVariants.Canonical(value);
    }

    /// <summary>
    /// The WhatsApp id digits. The parser gives the digits of <see cref="PhoneE164"/>, so every national form of a
    /// number stores the same <c>wa_id</c> whichever arrived first (the forms seen are all in <see cref="Identities"/>).
    /// </summary>
    public string? WaId { get; init; }

    /// <summary>The business-scoped user id the event says is current.</summary>
    public string? Bsuid { get; init; }

    /// <summary>A business-scoped id this person had before (identity_changed's <c>previous</c>).</summary>
    public string? PreviousBsuid { get; init; }

    public string? Username { get; init; }

    public string? ProfileName { get; init; }

    /// <summary>Event time that orders profile name and identity updates (last writer by event time wins).</summary>
    public required long ObservedAtMs { get; init; }

    /// <summary>The identities to look the contact up by, strongest first: the phone, its other national forms, the ids.</summary>
    public IEnumerable<string> Identities()
    {
        if (PhoneE164 is not null)
        {
            yield return "phone:" + PhoneE164;
            foreach (var variant in NationalPhoneVariants.Others(PhoneE164)) yield return "phone:" + variant;
        }

        if (Bsuid is not null) yield return "bsuid:" + Bsuid;
        if (PreviousBsuid is not null) yield return "bsuid:" + PreviousBsuid;
    }
}

internal enum Direction
{
    Inbound,
    Outbound,
}

internal sealed record MessageFact
{
    public required string Wamid { get; init; }

    public required Direction Direction { get; init; }

    public string? Type { get; init; }

    public string? Body { get; init; }

    public required MessageStatus Status { get; init; }

    public string? Error { get; init; }

    /// <summary>When the message was sent or received: its own time, not the time of a later status.</summary>
    public required long OccurredAtMs { get; init; }

    /// <summary>
    /// True for an outbound message whose event shows it went out (sent, delivered, read, played): our outreach,
    /// which moves <c>last_contact_at</c>. A <c>delivered</c> whose <c>sent</c> was lost proves the send as well;
    /// a <c>failed</c> never does (<see cref="MessageStatus.ShowsItWasSent"/>).
    /// </summary>
    public bool IsOutreach { get; init; }
}

internal sealed record MarketingFact(string Status, long Sequence);
