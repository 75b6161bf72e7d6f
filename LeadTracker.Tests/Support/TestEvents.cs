using System.Text;
using System.Text.Json;
using LeadTracker.Contracts;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;

namespace LeadTracker.Tests.Support;

/// <summary>Events as tests write them (a type name and JSON text), in the shapes the ingress and worker pass on.</summary>
internal static class TestEvents
{
    /// <summary>
    /// <see cref="KapsoEventParser"/> on text: the row the ingress would resolve from <paramref name="eventType"/>
    /// (any other name is <see cref="KapsoEventTypes.Ignored"/>), the JSON as its UTF-8 bytes.
    /// </summary>
    public static IReadOnlyList<LeadEvent> Parse(string eventType, string json, DateTimeOffset receivedAt) =>
        KapsoEventParser.Parse(KapsoEventTypes.Named(eventType), Encoding.UTF8.GetBytes(json), receivedAt);

    /// <summary>An event as its stream's record, as the ingress relays it.</summary>
    public static IKapsoEvent Of(string eventType, string json, DateTimeOffset receivedAt, string? idempotencyKey = null) =>
        IKapsoEvent.Create(KapsoEventTypes.Named(eventType), idempotencyKey, Json(json), receivedAt, traceParent: null);

    public static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>The payload's text, exactly as relayed.</summary>
    public static string Text(this IKapsoEvent e) => e.Payload.GetRawText();

    /// <summary>
    /// Every member, comparable: a <see cref="JsonElement"/> equals only itself (its document), so two events that say the
    /// same are compared by their payloads' text.
    /// </summary>
    public static (Type, KapsoEventType, string?, string, DateTimeOffset, string?) Members(this IKapsoEvent e) =>
        (e.GetType(), e.EventType, e.IdempotencyKey, e.Text(), e.ReceivedAt, e.TraceParent);
}
