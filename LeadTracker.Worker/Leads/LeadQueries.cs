using Dapper;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker.Leads;

/// <summary>
/// The questions a business asks, each an ordered range of its own index per workspace, merged (tests check
/// the plans): ix_contacts_contact, ix_contacts_follow_up, ix_contacts_activity (<see cref="ListSql"/>); the
/// closing list is a time range of ix_contacts_follow_up. Search
/// goes through the trigram index lead_search, a timeline through ix_messages_contact_direction. Every list takes an optional cursor (<see cref="LeadCursor"/>): rows strictly after it
/// in the list's own order, so paging never repeats or skips a lead.
/// </summary>
internal sealed class LeadQueries(SqliteConnectionFactory connections)
{
    private const string Columns = """
        SELECT c.id, w.phone_number_id AS workspace, w.display_name AS workspace_name, c.profile_name, c.phone_e164,
               c.bsuid, c.username, c.marketing_status, c.last_activity_at, c.last_contact_at, c.last_inbound_at,
               c.template_required_at, c.source_at, c.source_type, c.source_id, c.source_url, c.source_headline,
               c.source_body, c.source_media_type, c.source_image_url, c.source_ctwa_clid
        FROM contacts c JOIN workspaces w ON w.id = c.workspace_id
        """;

    private const string InWorkspaces = """
        c.workspace_id IN (SELECT id FROM workspaces WHERE @workspace IS NULL OR phone_number_id = @workspace)
        """;

    private const string StaleWhere = """
        (c.last_contact_at IS NULL OR c.last_contact_at < @cutoff)
        """;

    private const string FollowUpWhere = """
        c.last_inbound_at > COALESCE(c.last_contact_at, 0)
        """;

    // Waiting for us (as follow-up, so the same partial index) and the window closes after now, within the hours
    // asked: their latest message is in (now - 24 h, now - 24 h + hours], an ascending range of last_inbound_at.
    private const string ClosingWhere = $"""
        {FollowUpWhere} AND c.last_inbound_at > @windowFrom AND c.last_inbound_at <= @windowTo
        """;

    private const string RecentWhere = """
        c.last_activity_at IS NOT NULL
        """;

    // Never contacted sorts first (NULL), as key 0: real times are after 1970.
    private const string StaleAfter = """
        (@afterId IS NULL OR COALESCE(c.last_contact_at, 0) > @afterKey
             OR (COALESCE(c.last_contact_at, 0) = @afterKey AND c.id > @afterId))
        """;

    // A row value, so the cursor is a bound of the index range (newest first, ties by id, both descending).
    private const string FollowUpAfter = """
        (c.last_inbound_at, c.id) < (COALESCE(@afterKey, 9223372036854775807), COALESCE(@afterId, 9223372036854775807))
        """;

    // Soonest-closing first: ascending, ties by id.
    private const string ClosingAfter = """
        (c.last_inbound_at, c.id) > (COALESCE(@afterKey, -1), COALESCE(@afterId, -1))
        """;

    private const string RecentAfter = """
        (c.last_activity_at, c.id) < (COALESCE(@afterKey, 9223372036854775807), COALESCE(@afterId, 9223372036854775807))
        """;

    /// <summary>
    /// A list over <paramref name="workspaces"/> workspaces (parameters <c>@w0</c>, <c>@w1</c>, …): one arm per
    /// workspace, each an ordered range of the list's index (workspace_id, key, id), merged by SQLite without
    /// sorting (<c>MERGE (UNION ALL)</c>) and stopped at the limit. A single query with <c>workspace_id IN (…)</c>
    /// reads every matching lead of every workspace and sorts them all to return the first page. Past
    /// <see cref="MaxMergedWorkspaces"/> (SQLite allows 500 arms) the list falls back to that sort.
    /// </summary>
    public static string ListSql(LeadView view, int workspaces)
    {
        var (where, after, order) = view switch
        {
            LeadView.Stale => (StaleWhere, StaleAfter, "c.last_contact_at, c.id"),
            LeadView.FollowUp => (FollowUpWhere, FollowUpAfter, "c.last_inbound_at DESC, c.id DESC"),
            LeadView.Recent => (RecentWhere, RecentAfter, "c.last_activity_at DESC, c.id DESC"),
            LeadView.Closing => (ClosingWhere, ClosingAfter, "c.last_inbound_at, c.id"),
            _ => throw new ArgumentOutOfRangeException(nameof(view), view, "search has its own statements"),
        };
        var arms = workspaces <= MaxMergedWorkspaces
            ? Enumerable.Range(0, workspaces).Select(i => $"c.workspace_id = @w{i}")
            : [$"c.workspace_id IN ({string.Join(", ", Enumerable.Range(0, workspaces).Select(i => $"@w{i}"))})"];
        return string.Join("\nUNION ALL\n", arms.Select(workspace => $"""
            {Columns}
            WHERE {workspace}
              AND {where}
              AND {after}
            """)) + $"""

            ORDER BY {order}
            LIMIT @limit
            """;
    }

    public const int MaxMergedWorkspaces = 64;

    public const string CountsSql = $"""
        SELECT (SELECT COUNT(*) FROM contacts c WHERE {InWorkspaces} AND {StaleWhere}) AS stale,
               (SELECT COUNT(*) FROM contacts c WHERE {InWorkspaces} AND {FollowUpWhere}) AS followup,
               (SELECT COUNT(*) FROM contacts c WHERE {InWorkspaces} AND {RecentWhere}) AS recent,
               (SELECT COUNT(*) FROM contacts c WHERE {InWorkspaces} AND {ClosingWhere}) AS closing
        """;

    // The searched column is fixed per statement: FTS5 plans one LIKE constraint on one column through its index.
    private const string SearchFrom = $"""
        {Columns}
        JOIN lead_search s ON s.rowid = c.id
        """;

    private const string SearchRest = $"""
          AND {InWorkspaces}
          AND (@afterId IS NULL OR COALESCE(c.last_activity_at, 0) < @afterKey
               OR (COALESCE(c.last_activity_at, 0) = @afterKey AND c.id > @afterId))
        ORDER BY COALESCE(c.last_activity_at, 0) DESC, c.id
        LIMIT @limit
        """;

    // A quoted FTS5 phrase is a substring match under the trigram tokenizer (case and accents folded).
    public const string SearchByNameSql = $"""
        {SearchFrom}
        WHERE s.names MATCH @phrase
        {SearchRest}
        """;

    public const string SearchByPhoneSql = $"""
        {SearchFrom}
        WHERE s.phone MATCH @phrase
        {SearchRest}
        """;

    // Trigrams need three characters: "Bo" or "Li" is matched with LIKE over the search table (ASCII case folding).
    // The text's own %, _ and \ are escaped: "%" finds names with a percent sign, not every lead.
    public const string SearchByShortNameSql = $"""
        {SearchFrom}
        WHERE s.names LIKE @pattern ESCAPE '\'
        {SearchRest}
        """;

    // Leads an ad brought (its source_id), through ix_contacts_source; most recently active first like search.
    public const string SearchBySourceSql = $"""
        {Columns}
        WHERE c.source_id = @source
        {SearchRest}
        """;

    // The counts' breakdown by source: the leads each ad or button brought, and how many came without one.
    public const string SourceCountsSql = $"""
        SELECT c.source_type, c.source_id, MAX(c.source_headline) AS headline, COUNT(*) AS leads
        FROM contacts c
        WHERE {InWorkspaces} AND c.source_id IS NOT NULL
        GROUP BY c.source_type, c.source_id
        ORDER BY leads DESC, c.source_id
        """;

    public const string LeadSql = $"""
        {Columns}
        WHERE c.id = @id
        """;

    // One ordered range per direction, merged: ix_messages_contact_direction (migration 0004) has the direction
    // before the time, so a single range over both directions would need a sort of every message of the lead.
    // Each arm walks its index range backwards from the cursor and the merge stops at the limit.
    public static readonly string TimelineSql = $"""
        {TimelineOf("inbound")}
        UNION ALL
        {TimelineOf("outbound")}
        ORDER BY occurred_at DESC, id DESC
        LIMIT @limit
        """;

    private static string TimelineOf(string direction) => $"""
        SELECT id, wamid, direction, occurred_at, type, SUBSTR(body, 1, 160) AS body_preview, status, error
        FROM messages
        WHERE contact_id = @contactId AND direction = '{direction}'
          AND (occurred_at, id) < (COALESCE(@afterKey, 9223372036854775807), COALESCE(@afterId, 9223372036854775807))
        """;

    /// <summary>Leads we have not written to in <paramref name="days"/> days (or ever), longest silence first.</summary>
    public IReadOnlyList<Lead> NotContactedSince(int days, DateTimeOffset now, string? workspace, int limit, LeadCursor? after = null) =>
        List(LeadView.Stale, workspace, limit, after, cutoff: Cutoff(days, now));

    /// <summary>Leads who wrote after our last outreach, most recent first.</summary>
    public IReadOnlyList<Lead> NeedingFollowUp(string? workspace, int limit, LeadCursor? after = null) =>
        List(LeadView.FollowUp, workspace, limit, after);

    /// <summary>
    /// Leads waiting for us (they wrote after our last outreach) whose reply window closes within
    /// <paramref name="hours"/> hours of <paramref name="now"/> and has not closed yet, soonest first.
    /// </summary>
    public IReadOnlyList<Lead> ClosingSoon(int hours, DateTimeOffset now, string? workspace, int limit, LeadCursor? after = null)
    {
        var (from, to) = ClosingRange(hours, now);
        return List(LeadView.Closing, workspace, limit, after, windowFrom: from, windowTo: to);
    }

    /// <summary>Leads by latest interaction in either direction.</summary>
    public IReadOnlyList<Lead> RecentlyActive(string? workspace, int limit, LeadCursor? after = null) =>
        List(LeadView.Recent, workspace, limit, after);

    /// <summary>How many leads each question has, with the same filters as the lists.</summary>
    public LeadCounts Count(int days, DateTimeOffset now, string? workspace, int hours = DefaultClosingHours)
    {
        using var db = connections.Open();
        var (windowFrom, windowTo) = ClosingRange(hours, now);
        var counts = db.QuerySingle<LeadCounts>(CountsSql, new { cutoff = Cutoff(days, now), workspace, windowFrom, windowTo });
        return counts with { BySource = db.Query<SourceCount>(SourceCountsSql, new { workspace }).AsList() };
    }

    /// <summary>Leads whose source (the ad or button that brought them) has the id <paramref name="sourceId"/>.</summary>
    public IReadOnlyList<Lead> BySource(string sourceId, string? workspace, int limit, LeadCursor? after = null) =>
        Query<Lead>(SearchBySourceSql, new { source = sourceId, workspace, limit, afterKey = after?.Key, afterId = after?.Id });

    /// <summary>The closing list's default horizon: windows that close within 4 hours.</summary>
    public const int DefaultClosingHours = 4;

    /// <summary>
    /// Leads whose name or username contains <paramref name="text"/> (any case), or, when the text looks like a
    /// phone number in any format, whose number contains its digits. Most recently active first.
    /// </summary>
    public IReadOnlyList<Lead> Search(string text, string? workspace, int limit, LeadCursor? after = null)
    {
        var digits = LeadSearchText.PhoneDigits(text);
        var term = digits ?? text.Trim();
        var sql = digits is not null ? SearchByPhoneSql : term.Length >= 3 ? SearchByNameSql : SearchByShortNameSql;
        return Query<Lead>(sql, new
        {
            phrase = "\"" + term.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"",
            pattern = "%" + LikeLiteral(term) + "%",
            workspace,
            limit,
            afterKey = after?.Key,
            afterId = after?.Id,
        });
    }

    private static string LikeLiteral(string text) => text
        .Replace("\\", "\\\\", StringComparison.Ordinal)
        .Replace("%", "\\%", StringComparison.Ordinal)
        .Replace("_", "\\_", StringComparison.Ordinal);

    public Lead? Find(long id)
    {
        using var db = connections.Open();
        return db.QuerySingleOrDefault<Lead>(LeadSql, new { id });
    }

    /// <summary>A lead's messages, newest first; the cursor is the last message's (time, id).</summary>
    public IReadOnlyList<TimelineMessage> Timeline(long contactId, int limit, LeadCursor? after = null) =>
        Query<TimelineMessage>(TimelineSql, new { contactId, limit, afterKey = after?.Key, afterId = after?.Id });

    private List<Lead> List(LeadView view, string? workspace, int limit, LeadCursor? after, long? cutoff = null,
        long? windowFrom = null, long? windowTo = null)
    {
        using var db = connections.Open();
        var workspaces = db.Query<long>("SELECT id FROM workspaces WHERE @workspace IS NULL OR phone_number_id = @workspace ORDER BY id",
            new { workspace }).AsList();
        if (workspaces.Count == 0) return [];

        var parameters = new DynamicParameters(new { cutoff, windowFrom, windowTo, limit, afterKey = after?.Key, afterId = after?.Id });
        for (var i = 0; i < workspaces.Count; i++) parameters.Add($"w{i}", workspaces[i]);
        return db.Query<Lead>(ListSql(view, workspaces.Count), parameters).AsList();
    }

    private static long Cutoff(int days, DateTimeOffset now) => now.AddDays(-days).ToUnixTimeMilliseconds();

    /// <summary>The latest-message times whose window closes in (now, now + hours].</summary>
    private static (long From, long To) ClosingRange(int hours, DateTimeOffset now)
    {
        var from = now.ToUnixTimeMilliseconds() - ReplyWindow.LengthMs;
        return (from, from + (long)TimeSpan.FromHours(hours).TotalMilliseconds);
    }

    private List<T> Query<T>(string sql, object parameters)
    {
        using var db = connections.Open();
        return db.Query<T>(sql, parameters).AsList();
    }
}
