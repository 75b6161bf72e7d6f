namespace LeadTracker.Worker.Reconcile;

/// <summary>The last automatic catch-up, for the health JSON and the lag gauge. Thread-safe: replaced whole.</summary>
internal sealed class ReconcileStatus
{
    private volatile Snapshot _current = new(Enabled: false, LastRunAt: null, Result: "not run yet", Tally: null, Watermark: null);

    public Snapshot Current => _current;

    public void Disabled() => _current = _current with { Enabled = false, Result = "off: no Kapso API key" };

    public void Enabled() => _current = _current with { Enabled = true };

    public void Record(DateTimeOffset at, string result, ReconcileTally? tally, DateTimeOffset? watermark) =>
        _current = new Snapshot(true, at, result, tally, watermark ?? _current.Watermark);

    /// <summary>How far behind Kapso's store the database may be: now minus the oldest workspace watermark.</summary>
    public TimeSpan? Lag(DateTimeOffset now) => _current.Watermark is { } w ? now - w : null;

    internal sealed record Snapshot(bool Enabled, DateTimeOffset? LastRunAt, string Result, ReconcileTally? Tally,
        DateTimeOffset? Watermark);
}
