namespace LeadTracker.Contracts;

/// <summary>
/// One broker message on <c>lead-message-events</c>: the events of one or more webhooks the ingress coalesced
/// (a Kapso buffered batch is one such message). The worker applies and, when it must, rejects each event on
/// its own; a rejected event goes to <c>_error</c> alone, as a single <see cref="KapsoMessageEvent"/>.
/// </summary>
public sealed record KapsoMessageEvents
{
    public required IReadOnlyList<KapsoMessageEvent> Events { get; init; }
}
