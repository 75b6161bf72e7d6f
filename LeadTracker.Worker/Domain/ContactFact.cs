namespace LeadTracker.Worker.Domain;

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
