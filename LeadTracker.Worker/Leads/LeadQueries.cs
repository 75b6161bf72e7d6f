using Dapper;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker.Leads;

/// <summary>
/// The three questions a business asks, each one indexed query (tests check the plans). Workspaces are an
/// <c>IN</c> list so each one is a range scan of its own index: ix_contacts_contact, ix_contacts_follow_up,
/// ix_contacts_activity.
/// </summary>
internal sealed class LeadQueries(SqliteConnectionFactory connections)
{
    private const string Columns = """
        SELECT c.id, w.phone_number_id AS workspace, c.profile_name, c.phone_e164, c.bsuid, c.username,
               c.marketing_status, c.last_activity_at, c.last_contact_at, c.last_inbound_at
        FROM contacts c JOIN workspaces w ON w.id = c.workspace_id
        """;

    private const string InWorkspaces = """
        c.workspace_id IN (SELECT id FROM workspaces WHERE @workspace IS NULL OR phone_number_id = @workspace)
        """;

    public const string StaleSql = $"""
        {Columns}
        WHERE {InWorkspaces}
          AND (c.last_contact_at IS NULL OR c.last_contact_at < @cutoff)
        ORDER BY c.last_contact_at, c.id
        LIMIT @limit
        """;

    public const string FollowUpSql = $"""
        {Columns}
        WHERE {InWorkspaces}
          AND c.last_inbound_at > COALESCE(c.last_contact_at, 0)
        ORDER BY c.last_inbound_at DESC, c.id
        LIMIT @limit
        """;

    public const string RecentSql = $"""
        {Columns}
        WHERE {InWorkspaces}
          AND c.last_activity_at IS NOT NULL
        ORDER BY c.last_activity_at DESC, c.id
        LIMIT @limit
        """;

    static LeadQueries() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    /// <summary>Leads we have not written to in <paramref name="days"/> days (or ever), longest silence first.</summary>
    public IReadOnlyList<Lead> NotContactedSince(int days, DateTimeOffset now, string? workspace, int limit) =>
        Query(StaleSql, new { cutoff = now.AddDays(-days).ToUnixTimeMilliseconds(), workspace, limit });

    /// <summary>Leads who wrote after our last outreach, most recent first.</summary>
    public IReadOnlyList<Lead> NeedingFollowUp(string? workspace, int limit) =>
        Query(FollowUpSql, new { workspace, limit });

    /// <summary>Leads by latest interaction in either direction.</summary>
    public IReadOnlyList<Lead> RecentlyActive(string? workspace, int limit) =>
        Query(RecentSql, new { workspace, limit });

    private List<Lead> Query(string sql, object parameters)
    {
        using var db = connections.Open();
        return db.Query<Lead>(sql, parameters).AsList();
    }
}
