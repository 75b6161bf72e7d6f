using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Worker.Consumers;

/// <summary>
/// What both consumers do with a relayed event: parse it, write it through the <see cref="LeadWriter"/>, and log
/// one <c>[Kapso Sync]</c> line per message once it is committed.
/// </summary>
internal sealed partial class LeadEventApplier(LeadWriter writer, ILogger<LeadEventApplier> logger)
{
    public async Task ApplyAsync(string eventType, string payloadJson, DateTimeOffset receivedAt, string? idempotencyKey)
    {
        IReadOnlyList<LeadEvent> events;
        try
        {
            events = KapsoEventParser.Parse(eventType, payloadJson, receivedAt);
        }
        catch (InvalidKapsoPayloadException e)
        {
            Log.Rejected(logger, eventType, idempotencyKey, e.Message);
            throw;
        }

        foreach (var clamped in events.Where(e => e.ClampedFromMs is not null))
        {
            Log.TimeClamped(logger, clamped.EventType, clamped.Message?.Wamid, idempotencyKey,
                DateTimeOffset.FromUnixTimeMilliseconds(clamped.ClampedFromMs!.Value),
                DateTimeOffset.FromUnixTimeMilliseconds(clamped.ReceivedAtMs), KapsoEventParser.MaxAheadOfReceipt);
        }

        if (events.Count == 0)
        {
            Log.NothingToApply(logger, eventType, idempotencyKey);
            return;
        }

        foreach (var outcome in await writer.WriteAsync(events))
        {
            if (outcome.Event.Message is { } message)
            {
                Log.KapsoSync(logger, message.Direction == Direction.Inbound ? "inbound" : "outbound", message.Wamid,
                    outcome.Message, outcome.Event.EventType, message.Status.Name);
            }
            else if (outcome.Event.Contact is { } contact)
            {
                Log.ContactSynced(logger, outcome.Event.EventType, LeadPhone.Mask(contact.PhoneE164));
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2000, Level = LogLevel.Information,
            Message = "[Kapso Sync] {Direction} message {MessageId} {Outcome} ({EventType}, status {Status})")]
        public static partial void KapsoSync(ILogger logger, string direction, string messageId, WriteOutcome outcome,
            string eventType, string status);

        [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
            Message = "[Kapso Sync] contact {Phone} updated ({EventType})")]
        public static partial void ContactSynced(ILogger logger, string eventType, string phone);

        [LoggerMessage(EventId = 2002, Level = LogLevel.Information,
            Message = "{EventType} acknowledged: nothing to apply (idempotency key {IdempotencyKey})")]
        public static partial void NothingToApply(ILogger logger, string eventType, string? idempotencyKey);

        [LoggerMessage(EventId = 2003, Level = LogLevel.Error,
            Message = "Rejected {EventType} (idempotency key {IdempotencyKey}) to the error queue: {Reason}")]
        public static partial void Rejected(ILogger logger, string eventType, string? idempotencyKey, string reason);

        [LoggerMessage(EventId = 2004, Level = LogLevel.Warning,
            Message = "{EventType} (message {MessageId}, idempotency key {IdempotencyKey}) claims the time {ClaimedAt:o}, " +
                "more than {MaxAhead} after it was received: stored at the time it was received, {ReceivedAt:o}")]
        public static partial void TimeClamped(ILogger logger, string eventType, string? messageId, string? idempotencyKey,
            DateTimeOffset claimedAt, DateTimeOffset receivedAt, TimeSpan maxAhead);
    }
}
