namespace LeadTracker.Worker.Leads;

/// <summary>One message of a lead's timeline: what was said, which way, and what became of it.</summary>
internal sealed record TimelineMessage
{
    public long Id { get; init; }
    public required string Wamid { get; init; }
    /// <summary><c>inbound</c> (they wrote) or <c>outbound</c> (we did).</summary>
    public required string Direction { get; init; }
    public long OccurredAt { get; init; }
    public string OccurredAtIso => UtcTime.Iso(OccurredAt)!;
    /// <summary>WhatsApp's message type: text, image, template, …</summary>
    public string? Type { get; init; }
    /// <summary>The first 160 characters of the text or caption.</summary>
    public string? BodyPreview { get; init; }
    public string? Status { get; init; }
    /// <summary>Why a send failed (Meta's error), for <c>failed</c> messages.</summary>
    public string? Error { get; init; }
}
