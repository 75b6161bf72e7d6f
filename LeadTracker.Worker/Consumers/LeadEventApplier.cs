using System.Runtime.ExceptionServices;
using LeadTracker.Contracts;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Storage;
using LeadTracker.Worker.Telemetry;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Worker.Consumers;

/// <summary>An event the worker cannot apply, with the reason it goes to <c>_error</c>.</summary>
internal sealed record RejectedEvent<TEvent>(TEvent Event, Exception Reason);

/// <summary>
/// What both consumers do with the events of a broker message: parse each (once, by its row's kind), write each through the
/// <see cref="LeadWriter"/> as its own write (so one bad event fails alone while its neighbours share the group
/// commit), and log one <c>[Kapso Sync]</c> line per message once it is committed.
/// </summary>
internal sealed partial class LeadEventApplier(LeadWriter writer, ILogger<LeadEventApplier> logger)
{
    /// <returns>The events that can never apply (or still fail on the <paramref name="lastAttempt"/>), with their reasons.</returns>
    /// <exception cref="Exception">An event failed in a way a retry may fix: the whole message is retried (the
    /// committed events repeat harmlessly; every write is idempotent).</exception>
    /// <param name="stream">The stream whose queue delivered the events: an event of the other one (replayed into the
    /// wrong queue) is rejected with that reason rather than applied.</param>
    public async Task<IReadOnlyList<RejectedEvent<TEvent>>> ApplyAsync<TEvent>(IReadOnlyList<TEvent> events,
        EventStream stream, bool lastAttempt)
        where TEvent : IKapsoEvent
    {
        var rejected = new List<RejectedEvent<TEvent>>();
        var writes = new List<(TEvent Event, EventTrace Trace, Task<IReadOnlyList<EventOutcome>> Write)>(events.Count);
        var traces = new List<EventTrace>(events.Count);
        try
        {
            foreach (var e in events)
            {
                var type = e.EventType.Name;
                var trace = EventTrace.Start(type, e.ReceivedAt, e.IdempotencyKey, e.TraceParent);
                traces.Add(trace);
                IReadOnlyList<LeadEvent> facts;
                try
                {
                    facts = Parse(e, stream);
                }
                catch (InvalidKapsoPayloadException invalid)
                {
                    trace.Failed(invalid);
                    rejected.Add(new RejectedEvent<TEvent>(e, invalid));
                    continue;
                }

                foreach (var clamped in facts.Where(f => f.ClampedFromMs is not null))
                {
                    Log.TimeClamped(logger, clamped.EventType, clamped.Message?.Wamid, e.IdempotencyKey,
                        DateTimeOffset.FromUnixTimeMilliseconds(clamped.ClampedFromMs!.Value),
                        DateTimeOffset.FromUnixTimeMilliseconds(clamped.ReceivedAtMs), KapsoEventParser.MaxAheadOfReceipt);
                }

                if (facts.Count == 0)
                {
                    WorkerMetrics.Ignored();
                    Log.NothingToApply(logger, type, e.IdempotencyKey);
                }
                else
                {
                    writes.Add((e, trace, trace.CommitAsync(writer.WriteAsync(facts))));
                }
            }

            Exception? retry = null;
            foreach (var (e, trace, write) in writes)
            {
                try
                {
                    LogCommitted(await write, trace.TraceId);
                }
                catch (Exception failed) when (ConsumerRetry.IsPermanent(failed) || lastAttempt)
                {
                    rejected.Add(new RejectedEvent<TEvent>(e, failed));
                }
                catch (Exception failed)
                {
                    retry ??= failed;
                }
            }

            if (retry is not null) throw retry;
            foreach (var (e, reason) in rejected) Log.Rejected(logger, e.EventType.Name, e.IdempotencyKey, reason.Message);
            return rejected;
        }
        finally
        {
            foreach (var trace in traces) trace.Dispose();
        }
    }

    /// <summary>A message of one event: applied, or faulted with its reason (MassTransit's error transport takes it).</summary>
    public async Task ApplyOneAsync<TEvent>(TEvent e, EventStream stream)
        where TEvent : IKapsoEvent
    {
        if (await ApplyAsync([e], stream, lastAttempt: false) is [var rejected]) ExceptionDispatchInfo.Throw(rejected.Reason);
    }

    private static IReadOnlyList<LeadEvent> Parse(IKapsoEvent e, EventStream stream) =>
        e.EventType.Stream == stream || e.EventType.Stream == EventStream.Ignored
            ? KapsoEventParser.Parse(e.EventType, e.Payload, e.ReceivedAt)
            : throw new InvalidKapsoPayloadException($"{e.EventType.Name} is not an event of the {stream.ToString().ToLowerInvariant()} stream");

    private void LogCommitted(IReadOnlyList<EventOutcome> outcomes, string traceId)
    {
        // Masking a phone builds a string: only for lines that are written.
        if (!logger.IsEnabled(LogLevel.Information)) return;
        foreach (var outcome in outcomes)
        {
            if (outcome.Event.Message is { } message)
            {
                var direction = message.Direction.Name();
                Log.KapsoSync(logger, direction, message.Wamid, outcome.Message, outcome.Event.EventType, message.Status.Name, traceId);
            }
            else if (outcome.Event.Contact is { } contact)
            {
                var phone = LeadPhone.Mask(contact.PhoneE164);
                Log.ContactSynced(logger, outcome.Event.EventType, phone, traceId);
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

        [LoggerMessage(EventId = 2004, Level = LogLevel.Warning,
            Message = "{EventType} (message {MessageId}, idempotency key {IdempotencyKey}) claims the time {ClaimedAt:o}, " +
                "more than {MaxAhead} after it was received: stored at the time it was received, {ReceivedAt:o}")]
        public static partial void TimeClamped(ILogger logger, string eventType, string? messageId, string? idempotencyKey,
            DateTimeOffset claimedAt, DateTimeOffset receivedAt, TimeSpan maxAhead);
    }
}
