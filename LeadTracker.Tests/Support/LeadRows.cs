using Dapper;
using Microsoft.Data.Sqlite;

namespace LeadTracker.Tests.Support;

/// <summary>
/// The lead database as plain text, for "same rows" comparisons: every column that carries meaning, none that
/// records when or in which order this process happened to write (surrogate ids, updated_at, received_at).
/// </summary>
internal static class LeadRows
{
    public static string Snapshot(SqliteConnection db)
    {
        var contacts = db.Query<string>("""
            SELECT printf('%s|%s|%s|%s|%s|%s|%s|%s|%s|%s|%s', COALESCE(c.phone_e164, '-'), COALESCE(c.bsuid, '-'),
                   COALESCE(c.username, '-'), COALESCE(c.wa_id, '-'), COALESCE(c.profile_name, '-'),
                   COALESCE(c.marketing_status, '-'), COALESCE(c.marketing_sequence, '-'),
                   COALESCE(c.last_activity_at, '-'), COALESCE(c.last_contact_at, '-'), COALESCE(c.last_inbound_at, '-'),
                   (SELECT group_concat(identity, ',') FROM (SELECT identity FROM contact_identities i
                     WHERE i.contact_id = c.id ORDER BY identity)))
            FROM contacts c ORDER BY 1
            """);
        var messages = db.Query<string>("""
            SELECT printf('%s|%s|%s|%s|%s|%s|%s|%s|%s', m.wamid, m.direction, COALESCE(m.type, '-'), COALESCE(m.body, '-'),
                   m.status, COALESCE(m.error, '-'), m.outreach, m.occurred_at, COALESCE(c.phone_e164, c.bsuid))
            FROM messages m JOIN contacts c ON c.id = m.contact_id ORDER BY 1
            """);
        return string.Join('\n', contacts.Concat(["--"]).Concat(messages));
    }
}
