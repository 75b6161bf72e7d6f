using System.Diagnostics.Metrics;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker.Telemetry;

/// <summary>
/// The worker's meter, exported at <c>/metrics</c> on the health listener (docs/operations.md, "Telemetry"). Static, like the
/// writer it measures: one per process, so the hot path pays one call and no injection.
/// </summary>
internal static class WorkerMetrics
{
    public const string MeterName = "LeadTracker.Worker";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Events = Meter.CreateCounter<long>("leadtracker.worker.events",
        unit: "{event}", description: "Events applied, by outcome: inserted, updated, unchanged (a repeat), contact, ignored, rejected");

    private static readonly Histogram<long> BatchSize = Meter.CreateHistogram("leadtracker.worker.batch.size",
        unit: "{event}", description: "Events per SQLite transaction (group commit)",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] });

    private static readonly Histogram<double> CommitTime = Meter.CreateHistogram("leadtracker.worker.commit.duration",
        unit: "s", description: "Time to apply and commit one SQLite transaction",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });

    private static readonly Histogram<double> Lag = Meter.CreateHistogram("leadtracker.worker.consumer.lag",
        unit: "s", description: "From the ingress receiving the webhook to the worker receiving its event",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600] });

    private static readonly Counter<long> RefusedTokens = Meter.CreateCounter<long>("leadtracker.worker.api.refused",
        unit: "{request}", description: "Read API requests refused for a missing or wrong bearer token");

    public static void TokenRefused() => RefusedTokens.Add(1);

    public static void Applied(WriteOutcome outcome) => Counted(outcome switch
    {
        WriteOutcome.Inserted => "inserted",
        WriteOutcome.Updated => "updated",
        WriteOutcome.Unchanged => "unchanged",
        _ => "contact",
    });

    /// <summary>A relayed event that carried nothing to apply (a conversation event, say).</summary>
    public static void Ignored() => Counted("ignored");

    /// <summary>An event that can never apply: it goes to the error queue.</summary>
    public static void Rejected() => Counted("rejected");

    public static void Committed(int events, TimeSpan took)
    {
        BatchSize.Record(events);
        CommitTime.Record(took.TotalSeconds);
    }

    public static void Received(DateTimeOffset webhookReceivedAt) =>
        Lag.Record(Math.Max(0, (DateTimeOffset.UtcNow - webhookReceivedAt).TotalSeconds));

    private static void Counted(string outcome) => Events.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
