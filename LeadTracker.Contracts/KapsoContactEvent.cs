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
}
