using System.Data;
using Dapper;
using LeadTracker.Worker.Kapso;

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
    public static WriteOutcome Upsert(IDbConnection db, IDbTransaction tx, long workspaceId, long contactId,
        MessageFact message, long receivedAtMs)
    {
        var row = new
        {
            workspaceId,
            contactId,
            message.Wamid,
            direction = message.Direction == Direction.Inbound ? "inbound" : "outbound",
            message.Type,
            message.Body,
            status = message.Status.Name,
            rank = message.Status.Rank,
            message.Error,
            outreach = message.IsOutreach ? 1 : 0,
            message.OccurredAtMs,
            receivedAtMs,
        };

        var inserted = db.Execute("""
            INSERT INTO messages (workspace_id, contact_id, wamid, direction, type, body, status, status_rank, error,
                                  outreach, occurred_at, received_at)
            VALUES (@workspaceId, @contactId, @Wamid, @direction, @Type, @Body, @status, @rank, @Error,
                    @outreach, @OccurredAtMs, @receivedAtMs)
            ON CONFLICT (wamid) DO NOTHING
            """, row, tx);
        if (inserted == 1) return WriteOutcome.Inserted;

        var updated = db.Execute("""
            UPDATE messages SET
                type = COALESCE(type, @Type),
                body = COALESCE(body, @Body),
                status = CASE WHEN @rank > status_rank THEN @status ELSE status END,
                status_rank = MAX(status_rank, @rank),
                error = COALESCE(error, @Error),
                outreach = MAX(outreach, @outreach),
                occurred_at = MIN(occurred_at, @OccurredAtMs),
                received_at = MIN(received_at, @receivedAtMs)
            WHERE wamid = @Wamid
              AND ((type IS NULL AND @Type IS NOT NULL) OR (body IS NULL AND @Body IS NOT NULL)
                   OR @rank > status_rank OR (error IS NULL AND @Error IS NOT NULL) OR @outreach > outreach
                   OR @OccurredAtMs < occurred_at OR @receivedAtMs < received_at)
            """, row, tx);
        return updated == 1 ? WriteOutcome.Updated : WriteOutcome.Unchanged;
    }

    /// <summary>The contact that has the message <paramref name="wamid"/> in this workspace (null: none, or another workspace's).</summary>
    public static long? OwnerOf(IDbConnection db, IDbTransaction tx, long workspaceId, string wamid) =>
        db.ExecuteScalar<long?>("SELECT contact_id FROM messages WHERE wamid = @wamid AND workspace_id = @workspaceId",
            new { wamid, workspaceId }, tx);
}
