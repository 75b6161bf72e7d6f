using System.Diagnostics;
using Dapper;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Benchmark.Storage;

/// <summary>
/// A migrated LeadTracker file that already holds <c>messages</c> rows (1 million, 10 million) over one contact per
/// hundred messages, made once with bulk SQL and kept in a cache folder for later runs. Each storage run adds its
/// own events (unique wamids per run), so a reused file grows by one run's events; the row says how many it held.
/// </summary>
internal static class PrefilledDatabase
{
    public static string Ensure(string cacheDirectory, long messages)
    {
        Directory.CreateDirectory(cacheDirectory);
        var path = Path.Combine(cacheDirectory, $"storage-prefilled-{messages}.db");
        if (File.Exists(path) && IsComplete(path)) return path;

        foreach (var stale in new[] { path, path + "-wal", path + "-shm" }) File.Delete(stale);
        var clock = Stopwatch.StartNew();
        Console.WriteLine($"[2] making a file with {messages:N0} messages (once; kept in {cacheDirectory})");
        var connections = new SqliteConnectionFactory($"Data Source={path}", SqliteDurability.Normal);
        DatabaseMigrator.Migrate(connections, NullLogger.Instance);
        using (var db = connections.Open())
        {
            // A bulk load, not the product: no sync, a large cache, and the per-contact indexes built after the
            // rows (one sort instead of millions of scattered inserts). wamids are in key order for the same reason.
            db.Execute("PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000;");
            var indexes = db.Query<(string Name, string Sql)>("""
                SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages' AND sql IS NOT NULL
                """).AsList();
            foreach (var index in indexes) db.Execute($"DROP INDEX {index.Name}");

            using var tx = db.BeginTransaction();
            var contacts = Math.Max(1, messages / 100);
            db.Execute("INSERT INTO workspaces (phone_number_id, created_at) VALUES ('prefill', 0)", transaction: tx);
            db.Execute("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @contacts)
                INSERT INTO contacts (id, workspace_id, phone_e164, created_at, updated_at, last_activity_at, last_inbound_at, last_contact_at)
                SELECT 1000000000 + i, (SELECT id FROM workspaces WHERE phone_number_id = 'prefill'), printf('+1777%07d', i), 0, 0, i, i, i FROM n
                """, new { contacts }, tx);
            db.Execute("""
                INSERT INTO contact_identities (workspace_id, identity, contact_id)
                SELECT workspace_id, 'phone:' || phone_e164, id FROM contacts WHERE id > 1000000000
                """, transaction: tx);
            db.Execute("""
                WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < @messages)
                INSERT INTO messages (workspace_id, contact_id, wamid, direction, type, body, status, status_rank, outreach, occurred_at, received_at)
                SELECT (SELECT id FROM workspaces WHERE phone_number_id = 'prefill'), 1000000000 + 1 + (i % @contacts),
                       printf('wamid.prefill%012d', i), CASE i % 2 WHEN 0 THEN 'inbound' ELSE 'outbound' END, 'text',
                       'Hello, is the blue one still available? ' || i, 'read', 3, i % 2, 1700000000000 + i, 1700000000000 + i
                FROM n
                """, new { messages, contacts }, tx, commandTimeout: 0);
            db.Execute("CREATE TABLE bench_prefill (messages INTEGER NOT NULL)", transaction: tx);
            db.Execute("INSERT INTO bench_prefill VALUES (@messages)", new { messages }, tx);
            tx.Commit();
            foreach (var index in indexes) db.Execute(index.Sql, commandTimeout: 0);
            db.Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }

        SqliteConnection.ClearAllPools();
        Console.WriteLine($"[2] {messages:N0} messages written in {clock.Elapsed.TotalSeconds:F0} s ({new FileInfo(path).Length / 1_000_000:N0} MB)");
        return path;
    }

    public static long MessageCount(string path)
    {
        using var db = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        db.Open();
        return db.ExecuteScalar<long>("SELECT MAX(id) FROM messages");
    }

    private static bool IsComplete(string path)
    {
        try
        {
            using var db = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
            db.Open();
            return db.ExecuteScalar<long?>("SELECT messages FROM bench_prefill") is not null;
        }
        catch (SqliteException)
        {
            return false;
        }
    }
}
