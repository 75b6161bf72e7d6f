namespace LeadTracker.Testing;

/// <summary>
/// One Kapso event as the worker sees it: the event type and the JSON of that one event; for a message, its
/// WhatsApp id and the lead's number, so a test can find it in SQLite.
/// </summary>
public sealed record KapsoEvent(string EventType, byte[] Json, string? Wamid = null, string? Phone = null);
