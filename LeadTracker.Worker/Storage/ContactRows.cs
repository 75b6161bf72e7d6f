using Dapper;
using LeadTracker.Worker.Domain;

namespace LeadTracker.Worker.Storage;

/// <summary>
/// Finds or creates the one contact a <see cref="ContactFact"/> is about, and folds the fact into it. Identities
/// seen together are one person: when an event links two contacts (a phone-only one and a BSUID-only one), they
/// are merged, so the result does not depend on the order the events came in.
/// </summary>
internal static class ContactRows
{
    private const string FindIdentity = """
        SELECT contact_id FROM contact_identities WHERE workspace_id = @workspaceId AND identity = @identity
        """;

    private const string AddIdentity = """
        INSERT INTO contact_identities (workspace_id, identity, contact_id)
        VALUES (@workspaceId, @identity, @contactId)
        ON CONFLICT (workspace_id, identity) DO NOTHING
        """;

    /// <summary>The contact <paramref name="fact"/> is about: found by any of its identities, created, or merged.</summary>
    public static long Resolve(LeadDb db, long workspaceId, ContactFact fact)
    {
        // One primary-key lookup per identity (an event carries one to three): each a reused prepared statement.
        var identities = fact.Identities().ToArray();
        var owners = new long?[identities.Length];
        for (var i = 0; i < identities.Length; i++)
        {
            owners[i] = db.Prepared(FindIdentity).Bind("@workspaceId", workspaceId).Bind("@identity", identities[i]).ScalarInt64();
        }

        var found = owners.OfType<long>().Distinct().Order().ToList();
        var contactId = found.Count switch
        {
            0 => Create(db, workspaceId, fact),
            1 => found[0],
            _ => Merge(db, found),
        };

        for (var i = 0; i < identities.Length; i++)
        {
            if (owners[i] is not null) continue;
            db.Prepared(AddIdentity).Bind("@workspaceId", workspaceId).Bind("@identity", identities[i])
                .Bind("@contactId", contactId).ExecuteNonQuery();
        }

        return contactId;
    }

    public static void ApplyMarketing(LeadDb db, long contactId, MarketingFact marketing) =>
        // marketing_preference.sequence grows monotonically; a lower one is a stale update (docs/kapso.md).
        db.Connection.Execute("""
            UPDATE contacts
            SET marketing_status = @Status, marketing_sequence = @Sequence
            WHERE id = @contactId AND (marketing_sequence IS NULL OR marketing_sequence < @Sequence)
            """, new { contactId, marketing.Status, marketing.Sequence }, db.Transaction);

    /// <summary>Activity and outreach times derived from the stored messages: exact after a merge or a failure.</summary>
    /// <remarks>
    /// Each time is one seek at the end of the lead's run in <c>ix_messages_contact_direction</c> (migration 0004),
    /// so a lead with 100,000 messages costs what a lead with 10 does. The outreach seek walks back past failed
    /// sends only; activity is the later of the two.
    /// </remarks>
    public static void RecomputeTimes(LeadDb db, long contactId) =>
        db.Prepared("""
            UPDATE contacts SET
                last_inbound_at = t.inbound,
                last_contact_at = t.outreach,
                last_activity_at = MAX(COALESCE(t.inbound, t.outreach), COALESCE(t.outreach, t.inbound))
            FROM (SELECT
                    (SELECT MAX(occurred_at) FROM messages
                     WHERE contact_id = @contactId AND direction = 'inbound') AS inbound,
                    (SELECT occurred_at FROM messages
                     WHERE contact_id = @contactId AND direction = 'outbound' AND outreach = 1 AND status <> 'failed'
                     ORDER BY occurred_at DESC LIMIT 1) AS outreach) AS t
            WHERE id = @contactId
            """).Bind("@contactId", contactId).ExecuteNonQuery();

    private static long Create(LeadDb db, long workspaceId, ContactFact fact) =>
        db.Prepared("""
            INSERT INTO contacts (workspace_id, created_at, updated_at)
            VALUES (@workspaceId, @observedAt, @now)
            RETURNING id
            """).Bind("@workspaceId", workspaceId).Bind("@observedAt", fact.ObservedAtMs).Bind("@now", Now()).ScalarInt64()!.Value;

    /// <summary>
    /// The contact update every event runs (one statement, prepared once): identity fields last-writer-wins by
    /// event time (<see cref="LastWriterWins"/>), message times only forward, first-seen time only backward.
    /// </summary>
    private static readonly string FoldSql = $"""
        UPDATE contacts SET
            phone_e164 = COALESCE(phone_e164, @PhoneE164),
            wa_id = COALESCE(wa_id, @WaId),
            {LastWriterWins("bsuid", "identity_updated_at", "@Bsuid")},
            {LastWriterWins("username", "username_updated_at", "@Username")},
            {LastWriterWins("profile_name", "profile_updated_at", "@ProfileName")},
            last_inbound_at = CASE WHEN @inboundAt IS NULL THEN last_inbound_at
                                   ELSE MAX(COALESCE(last_inbound_at, @inboundAt), @inboundAt) END,
            last_contact_at = CASE WHEN @outreachAt IS NULL THEN last_contact_at
                                   ELSE MAX(COALESCE(last_contact_at, @outreachAt), @outreachAt) END,
            last_activity_at = CASE WHEN @activityAt IS NULL THEN last_activity_at
                                    ELSE MAX(COALESCE(last_activity_at, @activityAt), @activityAt) END,
            created_at = MIN(created_at, @ObservedAtMs),
            updated_at = @now
        WHERE id = @contactId
        """;

    /// <summary>
    /// Folds a fact into the contact: the same facts in any order leave the same row, and a fact that does not
    /// carry a field leaves it alone.
    /// </summary>
    public static void Fold(LeadDb db, long contactId, ContactFact fact, long? inboundAt = null, long? outreachAt = null) =>
        db.Prepared(FoldSql)
            .Bind("@contactId", contactId)
            .Bind("@PhoneE164", fact.PhoneE164)
            .Bind("@WaId", fact.WaId)
            .Bind("@Bsuid", fact.Bsuid)
            .Bind("@Username", fact.Username)
            .Bind("@ProfileName", fact.ProfileName)
            .Bind("@ObservedAtMs", fact.ObservedAtMs)
            .Bind("@inboundAt", inboundAt)
            .Bind("@outreachAt", outreachAt)
            .Bind("@activityAt", inboundAt ?? outreachAt)
            .Bind("@now", Now())
            .ExecuteNonQuery();

    /// <summary>
    /// One field's assignments for last writer by event time wins: a later event's value replaces it (ties broken
    /// by the larger value), an event without the field leaves it, and its stamp keeps the latest time that set it.
    /// </summary>
    private static string LastWriterWins(string column, string stamp, string parameter) => $"""
        {column} = CASE WHEN {parameter} IS NULL THEN {column}
                        WHEN {column} IS NULL OR @ObservedAtMs > {stamp}
                          OR (@ObservedAtMs = {stamp} AND {parameter} > {column}) THEN {parameter}
                        ELSE {column} END,
            {stamp} = CASE WHEN {parameter} IS NULL THEN {stamp}
                        ELSE MAX(COALESCE({stamp}, @ObservedAtMs), @ObservedAtMs) END
        """;

    /// <summary>Two contacts found to be one lead (they share a message): merged into the older; returns its id.</summary>
    public static long Link(LeadDb db, long contactId, long otherContactId) =>
        Merge(db, contactId < otherContactId ? [contactId, otherContactId] : [otherContactId, contactId]);

    /// <summary>Folds every contact in <paramref name="contactIds"/> into the oldest one and returns its id.</summary>
    private static long Merge(LeadDb db, List<long> contactIds)
    {
        // Rare (an event links two leads): plain Dapper, no prepared statements kept for it.
        var (connection, tx) = (db.Connection, db.Transaction);
        var keep = contactIds[0];
        var others = contactIds.Skip(1).ToArray();
        var rows = connection.Query<ContactRow>("SELECT * FROM contacts WHERE id IN @contactIds", new { contactIds }, tx).AsList();

        connection.Execute("UPDATE contact_identities SET contact_id = @keep WHERE contact_id IN @others", new { keep, others }, tx);
        connection.Execute("UPDATE messages SET contact_id = @keep WHERE contact_id IN @others", new { keep, others }, tx);
        connection.Execute("DELETE FROM contacts WHERE id IN @others", new { others }, tx);

        // Re-applying each merged row as a fact gives the same last-writer-wins result as if the events had
        // always landed on one contact.
        foreach (var row in rows.Where(r => r.Id != keep))
        {
            Fold(db, keep, row.AsFact(row.IdentityUpdatedAt ?? row.CreatedAt, bsuid: true));
            Fold(db, keep, row.AsFact(row.UsernameUpdatedAt ?? row.CreatedAt, username: true));
            Fold(db, keep, row.AsFact(row.ProfileUpdatedAt ?? row.CreatedAt, profile: true));
            if (row.MarketingStatus is not null && row.MarketingSequence is { } sequence)
                ApplyMarketing(db, keep, new MarketingFact(row.MarketingStatus, sequence));
        }

        connection.Execute("UPDATE contacts SET created_at = MIN(created_at, @first) WHERE id = @keep",
            new { keep, first = rows.Min(r => r.CreatedAt) }, tx);
        RecomputeTimes(db, keep);
        return keep;
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private sealed record ContactRow
    {
        public long Id { get; init; }
        public string? PhoneE164 { get; init; }
        public string? WaId { get; init; }
        public string? Bsuid { get; init; }
        public long? IdentityUpdatedAt { get; init; }
        public string? Username { get; init; }
        public long? UsernameUpdatedAt { get; init; }
        public string? ProfileName { get; init; }
        public long? ProfileUpdatedAt { get; init; }
        public string? MarketingStatus { get; init; }
        public long? MarketingSequence { get; init; }
        public long CreatedAt { get; init; }

        public ContactFact AsFact(long observedAtMs, bool bsuid = false, bool username = false, bool profile = false) => new()
        {
            PhoneE164 = PhoneE164,
            WaId = WaId,
            Bsuid = bsuid ? Bsuid : null,
            Username = username ? Username : null,
            ProfileName = profile ? ProfileName : null,
            ObservedAtMs = observedAtMs,
        };
    }
}
