namespace LeadTracker.Benchmark.Payloads;

/// <summary>One Kapso event as the worker sees it: the event type and the JSON of that one event.</summary>
internal sealed record KapsoEvent(string EventType, byte[] Json);

/// <summary>One signed HTTP delivery, ready to post: a single event, or a buffered batch of received messages.</summary>
internal sealed record Webhook(
    string EventType,
    byte[] Body,
    string Signature,
    string IdempotencyKey,
    int BatchSize,
    IReadOnlyList<KapsoEvent> Events)
{
    public bool IsBatch => BatchSize > 0;
}
