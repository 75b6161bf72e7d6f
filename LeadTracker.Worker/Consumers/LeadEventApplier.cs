using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Storage;
using LeadTracker.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Worker.Consumers;

/// <summary>
/// What both consumers do with a relayed event: parse it, write it through the <see cref="LeadWriter"/>, and log
/// one <c>[Kapso Sync]</c> line per message once it is committed.
/// </summary>
internal sealed partial class LeadEventApplier(LeadWriter writer, ILogger<LeadEventApplier> logger)
{
    public async Task ApplyAsync(string eventType, string payloadJson, DateTimeOffset receivedAt, string? idempotencyKey,
        string? traceParent = null)
    {
        using var trace = EventTrace.Start(eventType, receivedAt, idempotencyKey, traceParent);
        IReadOnlyList<LeadEvent> events;
        try
        {
            events = KapsoEventParser.Parse(eventType, payloadJson, receivedAt);
        }
        catch (InvalidKapsoPayloadException e)
        {
            trace.Failed(e);
            Log.Rejected(logger, eventType, idempotencyKey, e.Message);
            throw;
        }

        if (events.Count == 0)
        {
            trace.Ignored();
            Log.NothingToApply(logger, eventType, idempotencyKey);
            return;
        }

        foreach (var outcome in await trace.CommitAsync(writer.WriteAsync(events)))
        {
            if (outcome.Event.Message is { } message)
            {
                Log.KapsoSync(logger, message.Direction == Direction.Inbound ? "inbound" : "outbound", message.Wamid,
                    outcome.Message, outcome.Event.EventType, message.Status.Name, trace.TraceId);
            }
            else if (outcome.Event.Contact is { } contact)
            {
                Log.ContactSynced(logger, outcome.Event.EventType, LeadPhone.Mask(contact.PhoneE164), trace.TraceId);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2000, Level = LogLevel.Information,
            Message = "[Kapso Sync] {Direction} message {MessageId} {Outcome} ({EventType}, status {Status}) trace {TraceId}")]
        public static partial void KapsoSync(ILogger logger, string direction, string messageId, WriteOutcome outcome,
            string eventType, string status, string traceId);

        [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
            Message = "[Kapso Sync] contact {Phone} updated ({EventType}) trace {TraceId}")]
        public static partial void ContactSynced(ILogger logger, string eventType, string phone, string traceId);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Information,
            Message = "{EventType} acknowledged: nothing to apply (idempotency key {IdempotencyKey})")]
        public static partial void NothingToApply(ILogger logger, string eventType, string? idempotencyKey);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Error,
            Message = "Rejected {EventType} (idempotency key {IdempotencyKey}) to the error queue: {Reason}")]
        public static partial void Rejected(ILogger logger, string eventType, string? idempotencyKey, string reason);
    }
}
