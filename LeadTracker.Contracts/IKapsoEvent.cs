namespace LeadTracker.Contracts;

/// <summary>
/// What every relayed Kapso event carries, whichever stream it is on. The stream itself is the record's type
/// (<see cref="KapsoMessageEvent"/> or <see cref="KapsoContactEvent"/>): the ingress picks it once, and each
/// consumer receives only its own.
/// </summary>
public interface IKapsoEvent
{
    string EventType { get; }

    string? IdempotencyKey { get; }

    string PayloadJson { get; }

    DateTimeOffset ReceivedAt { get; }

    /// <summary>The W3C traceparent of the webhook request that carried the event; null when nothing traced it.</summary>
    string? TraceParent { get; }
}
