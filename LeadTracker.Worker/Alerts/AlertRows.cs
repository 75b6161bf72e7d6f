using Dapper;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker.Alerts;

/// <summary>The alerts and their deliveries as <c>alerts list</c> shows them, and <c>alerts replay</c>'s one write.</summary>
internal static class AlertRows
{
    // Newest first; a filter on the delivery's status (pending, failed) or none.
    private const string ListSql = """
        SELECT a.id, a.kind, a.workspace, json_extract(a.body, '$.data.name') AS name, json_extract(a.body, '$.data.phone') AS phone,
               a.created_at, d.endpoint, d.status, d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_result, d.sent_at
        FROM alerts a JOIN alert_deliveries d ON d.alert_id = a.id
        WHERE @status IS NULL OR d.status = @status
        ORDER BY a.created_at DESC, a.id, d.endpoint
        LIMIT @limit
        """;

    // Every delivery of the alert, whatever became of it, is tried again from now (same id, same body).
    private const string ReplaySql = """
        UPDATE alert_deliveries
        SET status = 'pending', attempts = 0, next_attempt_at = @now, last_result = 'replayed by an operator'
        WHERE alert_id = @id
        """;

    public static IReadOnlyList<AlertRow> List(SqliteConnectionFactory connections, string? status, int limit)
    {
        using var db = connections.Open();
        return db.Query<AlertRow>(ListSql, new { status, limit }).AsList();
    }

    /// <summary>Deliveries set to pending again; 0 when no alert has the id.</summary>
    public static int Replay(SqliteConnectionFactory connections, string id, DateTimeOffset now)
    {
        using var db = connections.Open();
        return db.Execute(ReplaySql, new { id, now = now.ToUnixTimeMilliseconds() });
    }
}

/// <summary>One delivery of one alert (times Unix ms, UTC).</summary>
internal sealed record AlertRow
{
    public required string Id { get; init; }
    public required string Kind { get; init; }
    public required string Workspace { get; init; }
    public string? Name { get; init; }
    public string? Phone { get; init; }
    public long CreatedAt { get; init; }
    public required string Endpoint { get; init; }
    public required string Status { get; init; }
    public int Attempts { get; init; }
    public long NextAttemptAt { get; init; }
    public long? LastAttemptAt { get; init; }
    public string? LastResult { get; init; }
    public long? SentAt { get; init; }
}
