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

    public TempDatabase()
    {
        Folder = Path.Combine(Path.GetTempPath(), "leadtracker-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        FilePath = Path.Combine(Folder, "leads.db");
        File.Copy(Template.Value, FilePath);
        Connections = new SqliteConnectionFactory(ConnectionString);
    }

    public string Folder { get; }

    public string FilePath { get; }

    public string ConnectionString => $"Data Source={FilePath}";

    public SqliteConnectionFactory Connections { get; }

    public LeadStore Store(bool createWorkspaces = true) =>
        new(Connections, NullLogger<LeadStore>.Instance, createWorkspaces);

    public void Dispose()
    {
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
