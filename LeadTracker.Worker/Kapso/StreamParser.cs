using LeadTracker.Contracts;
using LeadTracker.Worker.Domain;

namespace LeadTracker.Worker.Kapso;

/// <summary>
/// Each stream's consumer hands its own contract here. An event that belongs to the other stream (an operator
/// replayed it into the wrong queue) is rejected with that reason rather than applied.
/// </summary>
internal static class StreamParser
{
    public static IReadOnlyList<LeadEvent> Parse(KapsoMessageEvent e) => Parse(e, EventStream.Message);

    public static IReadOnlyList<LeadEvent> Parse(KapsoContactEvent e) => Parse(e, EventStream.Contact);

    private static IReadOnlyList<LeadEvent> Parse(IKapsoEvent e, EventStream stream) =>
        EventStreams.Of(e.EventType) is var own && (own == stream || own == EventStream.Ignored)
            ? KapsoEventParser.Parse(e.EventType, e.PayloadJson, e.ReceivedAt)
            : throw new InvalidKapsoPayloadException($"{e.EventType} is not an event of the {stream.ToString().ToLowerInvariant()} stream");
}
