namespace LeadTracker.Worker.Backup;

/// <summary>
/// The last scheduled backup, for the health JSON (<see cref="Json"/>, one object the health writer includes) and
/// the metrics. Thread-safe: replaced whole.
/// </summary>
internal sealed class BackupStatus
{
    private volatile Snapshot _current = new(Enabled: false, Directory: null, LastRunAt: null, Result: "off: LeadTracker__Backup__Directory is not set",
        LastPath: null, LastBytes: null, LastSucceededAt: null);

    public Snapshot Current => _current;

    public void Enabled(string directory) => _current = _current with { Enabled = true, Directory = directory, Result = "not run yet" };

    public void Succeeded(DateTimeOffset at, string path, long bytes) =>
        _current = _current with { LastRunAt = at, Result = "ok", LastPath = path, LastBytes = bytes, LastSucceededAt = at };

    public void Failed(DateTimeOffset at, string reason) => _current = _current with { LastRunAt = at, Result = "failed: " + reason };

    /// <summary>The object the health JSON shows as <c>backup</c>.</summary>
    public object Json()
    {
        var s = _current;
        return new
        {
            enabled = s.Enabled,
            directory = s.Directory,
            lastRunAt = s.LastRunAt,
            result = s.Result,
            lastFile = s.LastPath is null ? null : Path.GetFileName(s.LastPath),
            lastBytes = s.LastBytes,
            lastSucceededAt = s.LastSucceededAt,
        };
    }

    internal sealed record Snapshot(bool Enabled, string? Directory, DateTimeOffset? LastRunAt, string Result, string? LastPath,
        long? LastBytes, DateTimeOffset? LastSucceededAt);
}
