namespace LeadTracker.Worker.Domain;

/// <summary>One WhatsApp message (keyed by its <c>wamid</c>) and the status this event reports for it.</summary>
internal sealed record MessageFact
{
    public required string Wamid { get; init; }

    public required Direction Direction { get; init; }

    public string? Type { get; init; }

    public string? Body { get; init; }

    /// <summary>The ad or button the message came from (inbound only; usually the first of a conversation).</summary>
    public LeadSource? Referral { get; init; }

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

    /// <summary>
    /// A send Meta refused because the reply window had closed (error 131047, "more than 24 hours have passed since
    /// the recipient last replied"): the lead needs a template until they write again. The error text starts with
    /// the code (<see cref="Kapso.KapsoEventParser"/>); SQL asks the same of <c>messages.error</c> with
    /// <c>GLOB '131047[^0-9]*'</c> (migration 0005).
    /// </summary>
    public bool NeedsTemplate => Status == MessageStatus.Failed && Error is { } error
        && error.StartsWith(ReplyWindowClosedCode, StringComparison.Ordinal)
        && error.Length > ReplyWindowClosedCode.Length && !char.IsAsciiDigit(error[ReplyWindowClosedCode.Length]);

    /// <summary>Meta's code for a free-form send after the reply window closed.</summary>
    public const string ReplyWindowClosedCode = "131047";
}
