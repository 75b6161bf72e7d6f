using Microsoft.Data.Sqlite;

namespace LeadTracker.Worker.Storage;

/// <summary>
/// Whether the lead database's disk is refusing writes (SQLITE_FULL), for readiness and the writer's two log lines.
/// A full disk is a wait, not a fault: the writer holds its batch and tries again, no event is acknowledged or sent
/// to <c>_error</c> because of it. Thread-safe: the writer sets it, the health check reads it.
/// </summary>
internal sealed class DiskFullStatus
{
    private const int SqliteFull = 13;

    private volatile Snapshot? _full;

    /// <summary>Since when and why the disk refuses writes; null while it has room.</summary>
    public Snapshot? Current => _full;

    public static bool IsDiskFull(Exception e) => e is SqliteException { SqliteErrorCode: SqliteFull };

    /// <returns>True when this starts a wait (the disk had room until now).</returns>
    public bool Full(string reason, DateTimeOffset now)
    {
        if (_full is not null) return false;
        _full = new Snapshot(now, reason);
        return true;
    }

    /// <returns>How long the disk was full, when it was until now; null when it had room.</returns>
    public TimeSpan? Cleared(DateTimeOffset now)
    {
        if (_full is not { } full) return null;
        _full = null;
        return now - full.Since;
    }

    internal sealed record Snapshot(DateTimeOffset Since, string Reason);
}
