using System.Diagnostics;
using LeadTracker.Worker.Consumers;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker.Telemetry;

/// <summary>
/// The worker's span for one event, from parse to commit, child of the webhook request that carried the event
/// (its <c>TraceParent</c>), so one trace shows an event from Kapso's POST to its SQLite commit however the broker
/// grouped it. MassTransit's own consume span, when there is one, is linked. Also counts what became of the event.
/// </summary>
internal sealed class EventTrace : IDisposable
{
    public const string SourceName = "LeadTracker.Worker";

    private static readonly ActivitySource Source = new(SourceName);

    private readonly Activity? _activity;

    private EventTrace(Activity? activity) => _activity = activity;

    /// <summary>The trace id for log lines: the event's trace, or "-" when nothing traces it.</summary>
    public string TraceId => _activity?.TraceId.ToHexString() ?? Activity.Current?.TraceId.ToHexString() ?? "-";

    public static EventTrace Start(string eventType, DateTimeOffset receivedAt, string? idempotencyKey, string? traceParent)
    {
        WorkerMetrics.Received(receivedAt);
        var consume = Activity.Current;
        var activity = ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity("apply " + eventType, ActivityKind.Consumer, parent,
                links: consume is null ? null : [new ActivityLink(consume.Context)])
            : Source.StartActivity("apply " + eventType, ActivityKind.Consumer);
        // Several events of one broker message are traced side by side: none becomes the parent of the next.
        Activity.Current = consume;
        activity?.SetTag("leadtracker.event_type", eventType);
        activity?.SetTag("leadtracker.idempotency_key", idempotencyKey);
        return new EventTrace(activity);
    }

    /// <summary>Awaits the writer's commit, counting each event's outcome; a rejection is counted and rethrown.</summary>
    public async Task<IReadOnlyList<EventOutcome>> CommitAsync(Task<IReadOnlyList<EventOutcome>> write)
    {
        try
        {
            var outcomes = await write;
            foreach (var outcome in outcomes) WorkerMetrics.Applied(outcome.Message);
            _activity?.SetTag("leadtracker.events", outcomes.Count);
            return outcomes;
        }
        catch (Exception e)
        {
            Failed(e);
            throw;
        }
    }

    /// <summary>Marks the span failed; an event that can never apply is also counted as rejected.</summary>
    public void Failed(Exception e)
    {
        if (ConsumerRetry.IsPermanent(e)) WorkerMetrics.Rejected();
        _activity?.SetStatus(ActivityStatusCode.Error, e.Message);
        _activity?.SetTag("error.type", e.GetType().Name);
    }

    public void Dispose() => _activity?.Dispose();
}
