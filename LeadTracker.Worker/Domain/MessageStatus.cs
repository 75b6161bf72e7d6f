namespace LeadTracker.Worker.Domain;

/// <summary>
/// A message's delivery state. The rank only moves forward (sent → delivered → read/played → failed), so status
/// events applied in any order end in the same state; Meta may skip <c>delivered</c> entirely.
/// </summary>
internal sealed record MessageStatus(string Name, int Rank)
{
    public static readonly MessageStatus Received = new("received", 0);
    public static readonly MessageStatus Sent = new("sent", 1);
    public static readonly MessageStatus Delivered = new("delivered", 2);
    public static readonly MessageStatus Read = new("read", 3);
    public static readonly MessageStatus Played = new("played", 4);
    public static readonly MessageStatus Failed = new("failed", 5);

    /// <summary>
    /// Whether an outbound message in this status was sent: a <c>delivered</c>, <c>read</c> or <c>played</c> status
    /// proves the send as much as <c>sent</c> does (its own event may be lost or still on its way); <c>failed</c> never.
    /// </summary>
    public bool ShowsItWasSent => this == Sent || this == Delivered || this == Read || this == Played;

    /// <summary>The status named by Kapso or Meta; null for a name we do not know (it changes nothing).</summary>
    public static MessageStatus? Parse(string? name) => name switch
    {
        "received" => Received,
        "sent" => Sent,
        "delivered" => Delivered,
        "read" => Read,
        "played" => Played,
        "failed" => Failed,
        _ => null,
    };
}
