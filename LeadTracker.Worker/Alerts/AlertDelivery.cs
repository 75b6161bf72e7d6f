namespace LeadTracker.Worker.Alerts;

/// <summary>One pending delivery whose next attempt has come, with what is needed to decide and to send it.</summary>
internal sealed record AlertDelivery
{
    public required string AlertId { get; init; }
    public required string Endpoint { get; init; }
    public int Attempts { get; init; }
    public required string Kind { get; init; }
    public required string Body { get; init; }
    public long InboundAt { get; init; }
    public long CreatedAt { get; init; }

    /// <summary>The lead's latest outreach now; null when we never wrote or the lead's row is gone (merged).</summary>
    public long? LastContactAt { get; init; }

    /// <summary>The lead's latest message now: later than <see cref="InboundAt"/> when they wrote again.</summary>
    public long? LastInboundAt { get; init; }
}
