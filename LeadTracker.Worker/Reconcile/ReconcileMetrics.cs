using System.Diagnostics.Metrics;

namespace LeadTracker.Worker.Reconcile;

/// <summary>Catch-up as metrics (meter <c>LeadTracker.Worker.Reconcile</c>): runs, messages by outcome, lag.</summary>
internal sealed class ReconcileMetrics
{
    public const string MeterName = "LeadTracker.Worker.Reconcile";

    // Created by, and disposed with, the host's IMeterFactory.
    private readonly Meter _meter;
    private readonly Counter<long> _runs;
    private readonly Counter<long> _messages;

    public ReconcileMetrics(IMeterFactory meters, ReconcileStatus status)
    {
        _meter = meters.Create(MeterName);
        _runs = _meter.CreateCounter<long>("leadtracker.reconcile.runs", "{run}", "Automatic catch-up runs, by result");
        _messages = _meter.CreateCounter<long>("leadtracker.reconcile.messages", "{message}",
            "Messages read back from Kapso's API, by what applying them did");
        _meter.CreateObservableGauge("leadtracker.reconcile.lag", () => status.Lag(DateTimeOffset.UtcNow)?.TotalSeconds ?? 0,
            "s", "Now minus the oldest workspace's catch-up watermark");
    }

    public void Run(bool succeeded, ReconcileTally tally)
    {
        _runs.Add(1, new KeyValuePair<string, object?>("result", succeeded ? "ok" : "failed"));
        _messages.Add(tally.Inserted, new KeyValuePair<string, object?>("outcome", "inserted"));
        _messages.Add(tally.Updated, new KeyValuePair<string, object?>("outcome", "updated"));
        _messages.Add(tally.Unchanged, new KeyValuePair<string, object?>("outcome", "unchanged"));
        _messages.Add(tally.Skipped, new KeyValuePair<string, object?>("outcome", "skipped"));
    }
}
