using LeadTracker.Worker.Domain;

namespace LeadTracker.Worker.Storage;

/// <summary>What one message event did to its row.</summary>
internal enum WriteOutcome
{
    /// <summary>The event carried no message (contact events).</summary>
    None,

    /// <summary>First time this wamid was seen: the row was created.</summary>
    Inserted,

    /// <summary>The row moved forward (a later status, a missing body, an earlier time).</summary>
    Updated,

    /// <summary>A repeat: nothing new, nothing written.</summary>
    Unchanged,
}

/// <summary>
/// One row per WhatsApp message id, whichever event saw it first. Every column only moves one way (status rank
/// up, times down to the earliest, blanks filled), so repeats and any order of events end in the same row.
/// </summary>
internal static class MessageRows
{
    private const string Insert = """
        INSERT INTO messages (workspace_id, contact_id, wamid, direction, type, body, status, status_rank, error,
                              outreach, occurred_at, received_at)
        VALUES (@workspaceId, @contactId, @wamid, @direction, @type, @body, @status, @rank, @error,
                @outreach, @occurredAt, @receivedAt)
        ON CONFLICT (wamid) DO NOTHING
        """;

    private const string MoveForward = """
        UPDATE messages SET
            type = COALESCE(type, @type),
            body = COALESCE(body, @body),
            status = CASE WHEN @rank > status_rank THEN @status ELSE status END,
            status_rank = MAX(status_rank, @rank),
            error = COALESCE(error, @error),
            outreach = MAX(outreach, @outreach),
            occurred_at = MIN(occurred_at, @occurredAt),
            received_at = MIN(received_at, @receivedAt)
        WHERE wamid = @wamid
          AND ((type IS NULL AND @type IS NOT NULL) OR (body IS NULL AND @body IS NOT NULL)
               OR @rank > status_rank OR (error IS NULL AND @error IS NOT NULL) OR @outreach > outreach
               OR @occurredAt < occurred_at OR @receivedAt < received_at)
        """;

    public static WriteOutcome Upsert(LeadDb db, long workspaceId, long contactId, MessageFact message, long receivedAtMs)
    {
        var inserted = Row(db.Prepared(Insert), message, receivedAtMs)
            .Bind("@workspaceId", workspaceId)
            .Bind("@contactId", contactId)
            .Bind("@direction", message.Direction.Name())
            .ExecuteNonQuery();
        if (inserted == 1) return WriteOutcome.Inserted;

        var updated = Row(db.Prepared(MoveForward), message, receivedAtMs).ExecuteNonQuery();
        return updated == 1 ? WriteOutcome.Updated : WriteOutcome.Unchanged;
    }

    /// <summary>The contact that has the message <paramref name="wamid"/> in this workspace (null: none, or another workspace's).</summary>
    public static long? OwnerOf(LeadDb db, long workspaceId, string wamid) =>
        db.Prepared("SELECT contact_id FROM messages WHERE wamid = @wamid AND workspace_id = @workspaceId")
            .Bind("@wamid", wamid).Bind("@workspaceId", workspaceId).ScalarInt64();

    private static Microsoft.Data.Sqlite.SqliteCommand Row(Microsoft.Data.Sqlite.SqliteCommand command, MessageFact message,
        long receivedAtMs) =>
        command
            .Bind("@wamid", message.Wamid)
            .Bind("@type", message.Type)
            .Bind("@body", message.Body)
            .Bind("@status", message.Status.Name)
            .Bind("@rank", message.Status.Rank)
            .Bind("@error", message.Error)
            .Bind("@outreach", message.IsOutreach ? 1 : 0)
            .Bind("@occurredAt", message.OccurredAtMs)
            .Bind("@receivedAt", receivedAtMs);
}
