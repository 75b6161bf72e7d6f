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
}

/// <summary>Who the lead is and what the event says about them, as of <see cref="ObservedAtMs"/>.</summary>
internal sealed record ContactFact
{
    /// <summary>E.164, normalised; null when the payload carries no usable phone (BSUID-only users).</summary>
    public string? PhoneE164 { get; init; }

    public string? WaId { get; init; }

    /// <summary>The business-scoped user id the event says is current.</summary>
    public string? Bsuid { get; init; }

    /// <summary>A business-scoped id this person had before (identity_changed's <c>previous</c>).</summary>
    public string? PreviousBsuid { get; init; }

    public string? Username { get; init; }

    public string? ProfileName { get; init; }

    /// <summary>Event time that orders profile name and identity updates (last writer by event time wins).</summary>
    public required long ObservedAtMs { get; init; }

    /// <summary>The identities to look the contact up by, strongest first.</summary>
    public IEnumerable<string> Identities()
    {
        if (PhoneE164 is not null) yield return "phone:" + PhoneE164;
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

    /// <summary>True for <c>whatsapp.message.sent</c>: our outreach, which moves <c>last_contact_at</c>.</summary>
    public bool IsOutreach { get; init; }
}

internal sealed record MarketingFact(string Status, long Sequence);
