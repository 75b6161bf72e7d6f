using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Tests.Support;

/// <summary>
/// A real SQLite file per test: the schema is migrated once into a template, and each test gets a copy
/// (cheaper than migrating every time, and every test starts from the same bytes).
/// </summary>
internal sealed class TempDatabase : IDisposable
{
    private static readonly Lazy<string> Template = new(() =>
    {
        var path = Path.Combine(Path.GetTempPath(), $"leadtracker-template-{Guid.NewGuid():N}.db");
        var factory = new SqliteConnectionFactory($"Data Source={path}");
        DatabaseMigrator.Migrate(factory, NullLogger.Instance);
        SqliteConnection.ClearAllPools();
        return path;
    });

    /// <param name="copyOf">Start from a copy of this database file instead of the empty migrated one.</param>
    public TempDatabase(string? copyOf = null)
    {
        Folder = Path.Combine(Path.GetTempPath(), "leadtracker-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        FilePath = Path.Combine(Folder, "leads.db");
        File.Copy(copyOf ?? Template.Value, FilePath);
        Connections = new SqliteConnectionFactory(ConnectionString);
    }

    public string Folder { get; }

    public string FilePath { get; }

    public string ConnectionString => $"Data Source={FilePath}";

    public SqliteConnectionFactory Connections { get; }

    private readonly List<LeadStore> _stores = [];

    /// <summary>
    /// Another connection holding SQLite's write lock (a transaction begun IMMEDIATE takes it at once) until
    /// <see cref="WriteLock.Release"/>: every write meanwhile meets SQLITE_BUSY.
    /// </summary>
    public WriteLock HoldWriteLock() => new(Connections.Open());

    /// <summary>A store on this file (it keeps a connection open until the database is disposed).</summary>
    public LeadStore Store(bool createWorkspaces = true)
    {
        var store = new LeadStore(Connections, NullLogger<LeadStore>.Instance, createWorkspaces);
        _stores.Add(store);
        return store;
    }

    public void Dispose()
    {
        foreach (var store in _stores) store.Dispose();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A process under test may still hold the file for a moment; the temp folder is cleaned by the OS.
        }
    }
}

/// <summary>The write lock <see cref="TempDatabase.HoldWriteLock"/> holds; disposing it without a release rolls back.</summary>
internal sealed class WriteLock : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;

    public WriteLock(SqliteConnection connection)
    {
        _connection = connection;
        _transaction = connection.BeginTransaction(deferred: false);
    }

    public void Release() => _transaction.Commit();

    public void Dispose()
    {
        _transaction.Dispose();
        _connection.Dispose();
    }
}
