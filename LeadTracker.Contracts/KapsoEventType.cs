namespace LeadTracker.Contracts;

/// <summary>One row of <see cref="KapsoEventTypes.Known"/>: a Kapso event type and what it means.</summary>
/// <param name="Name">Kapso's name for it (<c>whatsapp.message.read</c>): metric label, log field and broker header.</param>
/// <param name="Stream">The queue it goes to.</param>
/// <param name="Kind">Which parser reads it.</param>
/// <param name="Status">For a message event, its status name (<c>received</c>, <c>sent</c>, …); otherwise null.</param>
/// <param name="Direction">For a message event, which way it went; otherwise null.</param>
public sealed record KapsoEventType(string Name, EventStream Stream, KapsoEventKind Kind, string? Status = null,
    KapsoDirection? Direction = null);
