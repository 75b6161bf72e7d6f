using Dapper;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker.Reconcile;

/// <summary>
/// The lead rows a page of events can touch, as comparable text, read before and after the page is written: a
/// lead changed when its row differs (or is new). Read-only; the writer is never involved.
/// </summary>
internal static class LeadFingerprints
{
    /// <returns>Identity → (contact id, fingerprint) for the identities that exist in the workspace.</returns>
    public static Dictionary<string, (long ContactId, string Fingerprint)> Read(SqliteConnectionFactory connections,
        string phoneNumberId, IReadOnlyCollection<string> identities)
    {
        if (identities.Count == 0) return [];
        using var db = connections.Open();
        return db.Query<(string Identity, long ContactId, string Fingerprint)>("""
                SELECT i.identity, c.id,
                       printf('%d|%s|%s|%s|%s|%s|%s|%s|%s|%s', c.id, c.phone_e164, c.bsuid, c.username, c.wa_id,
                              c.profile_name, c.marketing_status, c.last_activity_at, c.last_contact_at, c.last_inbound_at)
                FROM contact_identities i
                JOIN workspaces w ON w.id = i.workspace_id
                JOIN contacts c ON c.id = i.contact_id
                WHERE w.phone_number_id = @phoneNumberId AND i.identity IN @identities
                """, new { phoneNumberId, identities })
            .ToDictionary(r => r.Identity, r => (r.ContactId, r.Fingerprint), StringComparer.Ordinal);
    }
}
