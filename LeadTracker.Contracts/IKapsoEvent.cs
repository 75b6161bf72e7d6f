using System.Text.Json;

namespace LeadTracker.Contracts;

/// <summary>
/// What every relayed Kapso event carries, whichever stream it is on. The stream itself is the record's type
/// (<see cref="KapsoMessageEvent"/> or <see cref="KapsoContactEvent"/>): <see cref="Create"/> picks it once, from the
/// event's row, and each consumer receives only its own.
/// </summary>
public interface IKapsoEvent
{
    /// <summary>What the event is, resolved once by the ingress from the signed body; a name on the wire.</summary>
    KapsoEventType EventType { get; }

    /// <summary><c>X-Idempotency-Key</c>, suffixed with <c>#index</c> for an item of a batch; null when absent.</summary>
    string? IdempotencyKey { get; }

    /// <summary>
    /// The event's JSON exactly as Kapso signed it (the whole body, or one <c>data[]</c> item of a batch), carried as
    /// JSON inside the broker message, not as an escaped string (<see cref="RawJsonConverter"/>).
    /// </summary>
    JsonElement Payload { get; }

    /// <summary>When the ingress received the webhook: the event time when the payload carries none.</summary>
    DateTimeOffset ReceivedAt { get; }

    /// <summary>
    /// The W3C <c>traceparent</c> of the webhook request that carried the event: the worker's span for this event
    /// is its child, so one trace runs from the request to the commit even when a broker message carries many events.
    /// </summary>
    string? TraceParent { get; }

    /// <summary>The event as its stream's record: the one place a row's stream picks a contract.</summary>
    /// <remarks>An <see cref="EventStream.Ignored"/> event is never relayed; it is held as a message record only to be counted.</remarks>
    static IKapsoEvent Create(KapsoEventType type, string? idempotencyKey, JsonElement payload, DateTimeOffset receivedAt,
        string? traceParent) =>
        type.Stream == EventStream.Contact
            ? new KapsoContactEvent { EventType = type, IdempotencyKey = idempotencyKey, Payload = payload, ReceivedAt = receivedAt, TraceParent = traceParent }
            : new KapsoMessageEvent { EventType = type, IdempotencyKey = idempotencyKey, Payload = payload, ReceivedAt = receivedAt, TraceParent = traceParent };
}
