using Dapper;
using LeadTracker.Worker.Leads;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker.Alerts;

/// <summary>
/// Finds the leads that became due for an alert and writes each alert once, with one pending delivery per endpoint
/// that hears its workspace. A crossing happens by time passing, not by an event, so this is a scan, not an outbox
/// (docs/alerts.md says why): per workspace, one ascending range of ix_contacts_follow_up, the index of the
/// follow-up list, from "window closes now" to the later of the two due times. Leads whose latest message already
/// has its alert are skipped by one seek each in ix_alerts_contact; the rest is bounded by the leads who wrote in the
/// last 24 hours and are still waiting.
/// </summary>
internal sealed class AlertScan(SqliteConnectionFactory connections, ILogger logger)
{
    private const int Page = 500;

    // @windowFrom = now - 24 h (the window closed before it), @waitingTo = now - WaitingAfter,
    // @closingTo = now - 24 h + ClosingWithin, @dueTo = the later of the two.
    public const string CandidatesSql = """
        SELECT c.id, c.last_inbound_at
        FROM contacts c
        WHERE c.workspace_id = @workspaceId
          AND c.last_inbound_at > COALESCE(c.last_contact_at, 0)
          AND c.last_inbound_at > @windowFrom AND c.last_inbound_at <= @dueTo
          AND (c.last_inbound_at, c.id) > (@afterAt, @afterId)
          AND ((c.last_inbound_at <= @waitingTo AND NOT EXISTS (SELECT 1 FROM alerts a
                  WHERE a.contact_id = c.id AND a.inbound_at = c.last_inbound_at AND a.kind = 'waiting'))
            OR (c.last_inbound_at <= @closingTo AND NOT EXISTS (SELECT 1 FROM alerts a
                  WHERE a.contact_id = c.id AND a.inbound_at = c.last_inbound_at AND a.kind = 'closing')))
        ORDER BY c.last_inbound_at, c.id
        LIMIT @limit
        """;

    // The message that set last_inbound_at (ties: the greatest wamid, so every scan picks the same one).
    private const string LatestInboundSql = """
        SELECT wamid FROM messages
        WHERE contact_id = @contactId AND direction = 'inbound' AND occurred_at = @at
        ORDER BY wamid DESC
        LIMIT 1
        """;

    private const string InsertAlertSql = """
        INSERT OR IGNORE INTO alerts (id, kind, contact_id, workspace, inbound_wamid, inbound_at, created_at, body)
        VALUES (@id, @kind, @contactId, @workspace, @wamid, @inboundAt, @createdAt, @body)
        """;

    private const string InsertDeliverySql = """
        INSERT OR IGNORE INTO alert_deliveries (alert_id, endpoint, next_attempt_at) VALUES (@alertId, @endpoint, @at)
        """;

    private sealed record Candidate(long Id, long LastInboundAt);

    private sealed record Found(string Id, string Kind, Lead Lead, string Wamid);

    /// <summary>Writes the alerts due at <paramref name="now"/>; returns how many were new.</summary>
    public int Run(DateTimeOffset now, AlertOptions options, IReadOnlyList<AlertEndpoint> endpoints, IReadOnlySet<string> disabled)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        var windowFrom = nowMs - ReplyWindow.LengthMs;
        var waitingTo = nowMs - (long)options.WaitingAfter.TotalMilliseconds;
        var closingTo = windowFrom + (long)options.ClosingWithin.TotalMilliseconds;
        var written = 0;
        List<(long Id, string Workspace)> workspaces;
        using (var db = connections.Open())
            workspaces = [.. db.Query<(long, string)>("SELECT id, phone_number_id FROM workspaces ORDER BY id")];

        foreach (var (workspaceId, workspace) in workspaces)
        {
            var targets = endpoints.Where(e => e.Hears(workspace) && !disabled.Contains(e.Key)).ToList();
            if (targets.Count == 0) continue;
            (long At, long Id) after = (-1, -1);
            while (true)
            {
                List<Found> found = [];
                using (var db = connections.Open())
                {
                    var page = db.Query<Candidate>(CandidatesSql, new
                    {
                        workspaceId, windowFrom, waitingTo, closingTo, dueTo = Math.Max(waitingTo, closingTo),
                        afterAt = after.At, afterId = after.Id, limit = Page,
                    }).AsList();
                    if (page.Count == 0) break;
                    after = (page[^1].LastInboundAt, page[^1].Id);
                    foreach (var candidate in page)
                    {
                        var wamid = db.QuerySingleOrDefault<string>(LatestInboundSql, new { contactId = candidate.Id, at = candidate.LastInboundAt });
                        var lead = db.QuerySingleOrDefault<Lead>(LeadQueries.LeadSql, new { id = candidate.Id });
                        if (wamid is null || lead is null) continue;
                        if (candidate.LastInboundAt <= waitingTo) found.Add(new(AlertId.For(workspace, AlertKind.Waiting, wamid), AlertKind.Waiting, lead, wamid));
                        if (candidate.LastInboundAt <= closingTo) found.Add(new(AlertId.For(workspace, AlertKind.Closing, wamid), AlertKind.Closing, lead, wamid));
                    }
                }

                written += Write(found, now, options, targets);
            }
        }

        return written;
    }

    private int Write(List<Found> found, DateTimeOffset now, AlertOptions options, List<AlertEndpoint> targets)
    {
        if (found.Count == 0) return 0;
        var nowMs = now.ToUnixTimeMilliseconds();
        return SqliteRetry.Create(logger).Execute(() =>
        {
            using var db = connections.Open();
            using var tx = db.BeginTransaction(deferred: false);
            var written = 0;
            foreach (var f in found)
            {
                var body = AlertBody.For(f.Id, f.Kind, f.Lead, now, options.PageUrl).ToJson();
                var inserted = db.Execute(InsertAlertSql, new
                {
                    id = f.Id, kind = f.Kind, contactId = f.Lead.Id, workspace = f.Lead.Workspace, wamid = f.Wamid,
                    inboundAt = f.Lead.LastInboundAt, createdAt = nowMs, body,
                }, tx);
                if (inserted == 0) continue;
                written++;
                foreach (var endpoint in targets)
                    db.Execute(InsertDeliverySql, new { alertId = f.Id, endpoint = endpoint.Key, at = nowMs }, tx);
            }

            tx.Commit();
            return written;
        });
    }
}
