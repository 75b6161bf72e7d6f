using Dapper;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Worker.Reconcile;

/// <summary>A workspace and the end of its last complete catch-up window (null: never caught up).</summary>
internal sealed record WorkspaceWatermark(string PhoneNumberId, DateTimeOffset? Until);

/// <summary>
/// Where catch-up got to, per workspace (table <c>reconcile_watermarks</c>). Reads and the write each use a short
/// connection of their own: the write is one small row per run, so it waits its turn for SQLite's write lock
/// (<see cref="SqliteRetry"/>) beside the lead writer rather than sharing the writer's connection, which
/// <see cref="LeadWriter"/>'s single loop owns.
/// </summary>
internal static class ReconcileWatermarks
{
    public static IReadOnlyList<WorkspaceWatermark> ReadAll(SqliteConnectionFactory connections)
    {
        using var db = connections.Open();
        return db.Query<(string PhoneNumberId, long? UntilAt)>("""
                SELECT w.phone_number_id, r.until_at
                FROM workspaces w LEFT JOIN reconcile_watermarks r ON r.workspace_id = w.id
                ORDER BY w.phone_number_id
                """)
            .Select(r => new WorkspaceWatermark(r.PhoneNumberId,
                r.UntilAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null))
            .ToArray();
    }

    /// <summary>
    /// Everything Kapso stored for the workspace from <paramref name="since"/> to <paramref name="until"/> is applied.
    /// The watermark only moves forward, and only over a window that joins it: a run that starts after it leaves a
    /// gap the next automatic run must still read.
    /// </summary>
    public static async Task AdvanceAsync(SqliteConnectionFactory connections, ILogger logger, string phoneNumberId,
        DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken) =>
        await SqliteRetry.Create(logger).ExecuteAsync(async token =>
        {
            await using var db = connections.Open();
            await db.ExecuteAsync(new CommandDefinition("""
            INSERT INTO reconcile_watermarks (workspace_id, until_at, updated_at)
            SELECT id, @untilAt, @now FROM workspaces WHERE phone_number_id = @phoneNumberId
            ON CONFLICT (workspace_id) DO UPDATE SET until_at = excluded.until_at, updated_at = excluded.updated_at
            WHERE excluded.until_at > reconcile_watermarks.until_at AND @sinceAt <= reconcile_watermarks.until_at
            """, new
        {
            phoneNumberId,
            sinceAt = since.ToUnixTimeMilliseconds(),
            untilAt = until.ToUnixTimeMilliseconds(),
            now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
        }, cancellationToken: token));
        }, cancellationToken);
}
