using Dapper;
using LeadTracker.Worker.Domain;

namespace LeadTracker.Worker.Storage;

/// <summary>
/// What an event changes on the contact <see cref="IdentityResolution"/> found: its fields folded in last writer
/// by event time wins, its marketing preference, and its activity and outreach times.
/// </summary>
internal static class ContactUpdates
{
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
            template_required_at = CASE WHEN @templateAt IS NULL THEN template_required_at
                                        ELSE MAX(COALESCE(template_required_at, @templateAt), @templateAt) END,
            created_at = MIN(created_at, @ObservedAtMs),
            updated_at = @now
        WHERE id = @contactId
        """;

    /// <summary>
    /// Folds a fact into the contact: the same facts in any order leave the same row, and a fact that does not
    /// carry a field leaves it alone.
    /// </summary>
    public static void Fold(LeadDb db, long contactId, ContactFact fact, long? inboundAt = null, long? outreachAt = null,
        long? templateAt = null) =>
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
            .Bind("@templateAt", templateAt)
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
    /// sends only; activity is the later of the two. The latest send refused for the closed reply window is one seek
    /// in the partial index ix_messages_template_required (migration 0005).
    /// </remarks>
    public static void RecomputeTimes(LeadDb db, long contactId) =>
        db.Prepared("""
            UPDATE contacts SET
                last_inbound_at = t.inbound,
                last_contact_at = t.outreach,
                last_activity_at = MAX(COALESCE(t.inbound, t.outreach), COALESCE(t.outreach, t.inbound)),
                template_required_at = t.template
            FROM (SELECT
                    (SELECT MAX(occurred_at) FROM messages
                     WHERE contact_id = @contactId AND direction = 'inbound') AS inbound,
                    (SELECT occurred_at FROM messages
                     WHERE contact_id = @contactId AND direction = 'outbound' AND outreach = 1 AND status <> 'failed'
                     ORDER BY occurred_at DESC LIMIT 1) AS outreach,
                    (SELECT MAX(occurred_at) FROM messages
                     WHERE contact_id = @contactId AND status = 'failed' AND error GLOB '131047[^0-9]*') AS template) AS t
            WHERE id = @contactId
            """).Bind("@contactId", contactId).ExecuteNonQuery();

    /// <summary>
    /// Keeps the referral a message came with, as received (the first event that carried one for this message id).
    /// Rare: only messages that start from an ad or a page button.
    /// </summary>
    public static void KeepReferral(LeadDb db, string wamid, LeadSource source) =>
        db.Prepared("""
            UPDATE messages SET referral = json_object('source_type', @type, 'source_id', @id, 'source_url', @url,
                'headline', @headline, 'body', @body, 'media_type', @mediaType, 'image_url', @imageUrl, 'ctwa_clid', @ctwaClid)
            WHERE wamid = @wamid AND referral IS NULL
            """)
            .Bind("@wamid", wamid)
            .Bind("@type", source.Type)
            .Bind("@id", source.Id)
            .Bind("@url", source.Url)
            .Bind("@headline", source.Headline)
            .Bind("@body", source.Body)
            .Bind("@mediaType", source.MediaType)
            .Bind("@imageUrl", source.ImageUrl)
            .Bind("@ctwaClid", source.CtwaClid)
            .ExecuteNonQuery();

    /// <summary>
    /// The lead's source: the referral of its earliest message that has one (ties by message id), one seek in the
    /// partial index ix_messages_referral (migration 0006). Derived from the rows, so the order events came in and
    /// merges do not change it. A lead without any referral is left alone (its source stays null).
    /// </summary>
    public static void RecomputeSource(LeadDb db, long contactId) =>
        db.Prepared("""
            UPDATE contacts SET
                source_at = r.occurred_at,
                source_type = json_extract(r.referral, '$.source_type'),
                source_id = json_extract(r.referral, '$.source_id'),
                source_url = json_extract(r.referral, '$.source_url'),
                source_headline = json_extract(r.referral, '$.headline'),
                source_body = json_extract(r.referral, '$.body'),
                source_media_type = json_extract(r.referral, '$.media_type'),
                source_image_url = json_extract(r.referral, '$.image_url'),
                source_ctwa_clid = json_extract(r.referral, '$.ctwa_clid')
            FROM (SELECT occurred_at, referral FROM messages
                  WHERE contact_id = @contactId AND referral IS NOT NULL
                  ORDER BY occurred_at, wamid LIMIT 1) AS r
            WHERE id = @contactId
            """).Bind("@contactId", contactId).ExecuteNonQuery();

    /// <summary>The wall clock, for <c>updated_at</c> only: every other time is the event's.</summary>
    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
