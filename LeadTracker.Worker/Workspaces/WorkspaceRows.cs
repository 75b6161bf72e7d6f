using Dapper;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker.Workspaces;

/// <summary>The workspaces table for people: list them, give one a name.</summary>
internal static class WorkspaceRows
{
    /// <summary>The longest name accepted: it is shown in a table column and a drop-down.</summary>
    public const int MaxNameLength = 80;

    // The count is a covering scan of ix_contacts_activity's workspace_id prefix.
    private const string ListSql = """
        SELECT w.phone_number_id, w.display_name AS name, w.created_at,
               (SELECT COUNT(*) FROM contacts c WHERE c.workspace_id = w.id) AS leads
        FROM workspaces w
        ORDER BY COALESCE(w.display_name, w.phone_number_id), w.phone_number_id
        """;

    public static IReadOnlyList<Workspace> List(SqliteConnectionFactory connections)
    {
        using var db = connections.Open();
        return db.Query<Workspace>(ListSql).AsList();
    }

    /// <returns>False when no workspace has that <paramref name="phoneNumberId"/>.</returns>
    public static bool Rename(SqliteConnectionFactory connections, string phoneNumberId, string name)
    {
        using var db = connections.Open();
        return db.Execute("UPDATE workspaces SET display_name = @name WHERE phone_number_id = @phoneNumberId",
            new { name, phoneNumberId }) == 1;
    }
}
