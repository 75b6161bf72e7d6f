using LeadTracker.Worker.Domain;

namespace LeadTracker.Tests.Support;

/// <summary>
/// The one call of the parser in the payload tests (fields, times, statuses, identities, fallbacks): how an event's
/// type reaches the parser may change, what a payload means does not, so only this method follows such a change.
/// </summary>
internal static class KapsoPayload
{
    /// <summary>When the ingress received every payload of these tests: 2026-02-01T00:00:00Z in Unix milliseconds.</summary>
    public const long ReceivedAtMs = 1_769_904_000_000;

    public static IReadOnlyList<LeadEvent> Parse(string eventType, string json) =>
        TestEvents.Parse(eventType, json, DateTimeOffset.FromUnixTimeMilliseconds(ReceivedAtMs));
}
