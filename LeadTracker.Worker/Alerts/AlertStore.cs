using Dapper;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker.Alerts;

/// <summary>
/// The deliveries' state in SQLite: what is due, each attempt's outcome and the next attempt's time (so retries
/// survive a restart), disabled endpoints, and the rows the <c>alerts</c> verbs show and replay.
/// </summary>
internal sealed class AlertStore(SqliteConnectionFactory connections, ILogger logger)
{
    // A range of ix_alert_deliveries_due (pending rows only), oldest due first.
    public const string DueSql = """
        SELECT d.alert_id, d.endpoint, d.attempts, a.kind, a.body, a.inbound_at, a.created_at, c.last_contact_at, c.last_inbound_at
        FROM alert_deliveries d
        JOIN alerts a ON a.id = d.alert_id
        LEFT JOIN contacts c ON c.id = a.contact_id
        WHERE d.status = 'pending' AND d.next_attempt_at <= @now
        ORDER BY d.next_attempt_at
        LIMIT @limit
        """;

    private const string FinishSql = """
        UPDATE alert_deliveries
        SET status = @status, attempts = attempts + @tried, last_attempt_at = @now, last_result = @result,
            sent_at = CASE WHEN @status = 'sent' THEN @now ELSE sent_at END
        WHERE alert_id = @alertId AND endpoint = @endpoint AND status = 'pending'
        """;

    private const string RetrySql = """
        UPDATE alert_deliveries
        SET attempts = attempts + 1, last_attempt_at = @now, last_result = @result, next_attempt_at = @next
        WHERE alert_id = @alertId AND endpoint = @endpoint AND status = 'pending'
        """;

    private const string DisableSql = """
        INSERT INTO alert_endpoints (endpoint, disabled_at, disabled_reason) VALUES (@endpoint, @now, @reason)
        ON CONFLICT (endpoint) DO UPDATE SET disabled_at = excluded.disabled_at, disabled_reason = excluded.disabled_reason
        """;

    private const string FailEndpointSql = """
        UPDATE alert_deliveries SET status = 'failed', last_result = @reason
        WHERE endpoint = @endpoint AND status = 'pending'
        """;

    public const string PendingSql = """
        SELECT COUNT(*) AS pending, MIN(a.created_at) AS oldest_created_at
        FROM alert_deliveries d JOIN alerts a ON a.id = d.alert_id
        WHERE d.status = 'pending'
        """;

    public IReadOnlyList<AlertDelivery> Due(DateTimeOffset now, int limit)
    {
        using var db = connections.Open();
        return db.Query<AlertDelivery>(DueSql, new { now = now.ToUnixTimeMilliseconds(), limit }).AsList();
    }

    /// <summary>Each attempt's outcome, in one transaction: one commit per round, not per request.</summary>
    public void Record(IReadOnlyList<(AlertDelivery Delivery, AttemptResult Result)> attempts, DateTimeOffset now, AlertOptions options)
    {
        if (attempts.Count == 0) return;
        var nowMs = now.ToUnixTimeMilliseconds();
        SqliteRetry.Create(logger).Execute(() =>
        {
            using var db = connections.Open();
            using var tx = db.BeginTransaction(deferred: false);
            foreach (var (d, r) in attempts)
            {
                var key = new { alertId = d.AlertId, endpoint = d.Endpoint, now = nowMs };
                switch (r.Outcome)
                {
                    case AttemptOutcome.Retry:
                        var wait = AlertBackoff.After(d.Attempts + 1, options);
                        if (r.RetryAfter is { } asked && asked > wait) wait = asked < options.MaxRetryDelay ? asked : options.MaxRetryDelay;
                        var next = nowMs + (long)wait.TotalMilliseconds;
                        if (next > d.CreatedAt + (long)options.RetryFor.TotalMilliseconds)
                            db.Execute(FinishSql, new { key.alertId, key.endpoint, key.now, status = "failed", tried = 1, result = $"gave up after {options.RetryFor}: {r.Result}" }, tx);
                        else
                            db.Execute(RetrySql, new { key.alertId, key.endpoint, key.now, result = r.Result, next }, tx);
                        break;
                    case AttemptOutcome.Gone:
                        db.Execute(FinishSql, new { key.alertId, key.endpoint, key.now, status = "failed", tried = 1, result = r.Result }, tx);
                        db.Execute(DisableSql, new { endpoint = d.Endpoint, now = nowMs, reason = r.Result }, tx);
                        db.Execute(FailEndpointSql, new { endpoint = d.Endpoint, reason = "endpoint disabled: it answered 410 Gone" }, tx);
                        break;
                    default:
                        db.Execute(FinishSql, new
                        {
                            key.alertId, key.endpoint, key.now, result = r.Result,
                            status = r.Outcome switch { AttemptOutcome.Sent => "sent", AttemptOutcome.Cancelled => "cancelled", _ => "failed" },
                            tried = r.Outcome == AttemptOutcome.Cancelled ? 0 : 1,
                        }, tx);
                        break;
                }
            }

            tx.Commit();
        });
    }

    /// <summary>Endpoints (keys) that answered 410 Gone, with when and why.</summary>
    public IReadOnlyDictionary<string, (long At, string? Reason)> Disabled()
    {
        using var db = connections.Open();
        return db.Query<(string Endpoint, long At, string? Reason)>(
                "SELECT endpoint, disabled_at, disabled_reason FROM alert_endpoints WHERE disabled_at IS NOT NULL")
            .ToDictionary(r => r.Endpoint, r => (r.At, r.Reason));
    }

    public (long Pending, long? OldestCreatedAt) Pending()
    {
        using var db = connections.Open();
        var row = db.QuerySingle<(long Pending, long? Oldest)>(PendingSql);
        return (row.Pending, row.Oldest);
    }
}
