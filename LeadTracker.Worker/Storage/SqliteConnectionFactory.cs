using Microsoft.Data.Sqlite;

namespace LeadTracker.Worker.Storage;

/// <summary>
/// Every SQLite setting in one place. A connection is opened per unit of work (pooling makes that cheap) and is
/// never shared between threads.
/// </summary>
internal sealed class SqliteConnectionFactory
{
    private readonly string _connectionString;
    private readonly string _pragmas;
    private readonly int _walCheckpointPages;

    /// <param name="walCheckpointPages">The writer's WAL checkpoint threshold in 4 KiB pages (the WAL grows to about
    /// this before it is copied back and reused): lower it on a small disk.</param>
    public SqliteConnectionFactory(string connectionString, SqliteDurability durability = SqliteDurability.Full,
        int walCheckpointPages = DefaultWalCheckpointPages)
    {
        _walCheckpointPages = walCheckpointPages;
        var builder = new SqliteConnectionStringBuilder(connectionString) { Pooling = true };

        // Microsoft.Data.Sqlite spins on SQLITE_BUSY by itself until this timeout (30 s by default). Keep it short so
        // the Polly pipeline (SqliteRetry) sees contention, logs it and backs off with jitter.
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase))
            builder.DefaultTimeout = 1;

        _connectionString = builder.ToString();
        DataSource = builder.DataSource;

        // We acknowledge a message only after its commit, so the commit must survive power loss: FULL. NORMAL is
        // faster in WAL mode but may lose the last commits on power loss (docs/performance.md, "Durability setting").
        _pragmas = $"PRAGMA synchronous = {durability.ToString().ToUpperInvariant()}; PRAGMA foreign_keys = ON;";
    }

    public const int DefaultWalCheckpointPages = 10_000;

    public string DataSource { get; }

    public string ConnectionString => _connectionString;

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = _pragmas;
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>
    /// The one writer's connection, kept open by the store. Its page cache is 32 MiB instead of SQLite's 2 MiB:
    /// each new message lands at a random place in the <c>wamid</c> index, and once that index outgrows the cache
    /// every insert re-reads its page (measured: 1.5–2× the insert rate on a file of 1 million messages). The WAL
    /// is checkpointed every 10,000 pages (by default) instead of 1,000, so a page written by several commits is
    /// copied back once, not once per commit. That lets the WAL grow to ~40 MB; on a small disk set
    /// <c>LeadTracker:Worker:WalCheckpointPages</c> lower (docs/backups.md, "Full disks").
    /// </summary>
    public SqliteConnection OpenWriter()
    {
        var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA cache_size = -32768; PRAGMA wal_autocheckpoint = {_walCheckpointPages};";
        command.ExecuteNonQuery();
        return connection;
    }

    /// <summary>WAL lets the lead queries read while the worker writes. It is persistent, and cannot be set inside
    /// a transaction, so it is set once when the database is migrated rather than in a migration script.</summary>
    public void EnableWriteAheadLog()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL;";
        command.ExecuteNonQuery();
    }
}

internal enum SqliteDurability
{
    /// <summary>Every commit is synced to disk before it returns: acknowledged means durable.</summary>
    Full,

    /// <summary>WAL commits are synced at checkpoints only: faster, may lose the last commits on power loss.</summary>
    Normal,
}
