namespace LeadTracker.Worker.Domain;

/// <summary>One WhatsApp message (keyed by its <c>wamid</c>) and the status this event reports for it.</summary>
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
