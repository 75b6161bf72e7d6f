namespace LeadTracker.Contracts;

/// <summary>One broker message on <c>lead-contact-events</c>: coalesced contact events, as <see cref="KapsoMessageEvents"/>.</summary>
public sealed record KapsoContactEvents
{
    public required IReadOnlyList<KapsoContactEvent> Events { get; init; }
}
