using Dapper;
using LeadTracker.Worker.Domain;

namespace LeadTracker.Worker.Storage;

/// <summary>
/// Identity resolution: finds or creates the one contact a <see cref="ContactFact"/> is about. Identities seen
/// together are one person: when an event links two contacts (a phone-only one and a BSUID-only one), they are
/// merged, so the result does not depend on the order the events came in. What an event then changes on the
/// contact is <see cref="ContactUpdates"/>.
/// </summary>
internal static class IdentityResolution
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

    private static long Create(LeadDb db, long workspaceId, ContactFact fact) =>
        db.Prepared("""
            INSERT INTO contacts (workspace_id, created_at, updated_at)
            VALUES (@workspaceId, @observedAt, @now)
            RETURNING id
            """).Bind("@workspaceId", workspaceId).Bind("@observedAt", fact.ObservedAtMs).Bind("@now", ContactUpdates.Now()).ScalarInt64()!.Value;

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
            ContactUpdates.Fold(db, keep, row.AsFact(row.IdentityUpdatedAt ?? row.CreatedAt, bsuid: true));
            ContactUpdates.Fold(db, keep, row.AsFact(row.UsernameUpdatedAt ?? row.CreatedAt, username: true));
            ContactUpdates.Fold(db, keep, row.AsFact(row.ProfileUpdatedAt ?? row.CreatedAt, profile: true));
            if (row.MarketingStatus is not null && row.MarketingSequence is { } sequence)
                ContactUpdates.ApplyMarketing(db, keep, new MarketingFact(row.MarketingStatus, sequence));
        }

        connection.Execute("UPDATE contacts SET created_at = MIN(created_at, @first) WHERE id = @keep",
            new { keep, first = rows.Min(r => r.CreatedAt) }, tx);
        ContactUpdates.RecomputeTimes(db, keep);
        ContactUpdates.RecomputeSource(db, keep);
        return keep;
    }

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
