namespace LeadTracker.Contracts;

/// <summary>
/// Transport headers on every message the ingress sends and every event the worker rejects, so an operator (and
/// <c>errors list</c>) can tell what a message holds without reading its body.
/// </summary>
public static class LeadTrackerHeaders
{
    /// <summary>The event type; for a message carrying several events, their distinct types, comma-separated.</summary>
    public const string EventType = "LeadTracker-Event-Type";

    /// <summary>The webhook's idempotency key, on a message that carries one event that has one.</summary>
    public const string IdempotencyKey = "LeadTracker-Idempotency-Key";

    /// <summary>How many events the message carries.</summary>
    public const string EventCount = "LeadTracker-Event-Count";
}
