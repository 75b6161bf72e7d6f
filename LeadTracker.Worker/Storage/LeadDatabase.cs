using Dapper;
using Microsoft.Data.Sqlite;

namespace LeadTracker.Worker.Storage;

/// <summary>The lead database was not where the configuration says, or is not a LeadTracker database.</summary>
internal sealed class LeadDatabaseMissingException(string message) : Exception(message);

/// <summary>
/// Connections for everything but the worker's writer: the read API, the page and the operator's verbs. None of
/// them creates a database. SQLite's default (ReadWriteCreate) would make an empty file at a mistyped path and
/// the next query would fail on a missing table; these open only an existing LeadTracker database, and say so in
/// one line when it is not there.
/// </summary>
internal static class LeadDatabase
{
    /// <summary>Read-only connections (WAL: they read while the writer commits, and never block it).</summary>
    public static SqliteConnectionFactory ReadOnly(string connectionString) => Existing(connectionString, SqliteOpenMode.ReadOnly);

    /// <summary>Read-write connections to an existing database, for an operator's write (a rename).</summary>
    public static SqliteConnectionFactory ReadWrite(string connectionString) => Existing(connectionString, SqliteOpenMode.ReadWrite);

    /// <summary>
    /// Throws <see cref="LeadDatabaseMissingException"/> unless <paramref name="connections"/> opens a database
    /// that has the lead schema. For the command line, which opens once; the API relies on the worker having
    /// migrated the file at start.
    /// </summary>
    public static void EnsureExists(SqliteConnectionFactory connections)
    {
        var path = Path.GetFullPath(connections.DataSource);
        if (!File.Exists(path))
            throw new LeadDatabaseMissingException($"No lead database at {path}: check ConnectionStrings__Leads (the worker creates it at start; `migrate` creates it now).");

        try
        {
            using var db = connections.Open();
            if (db.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'contacts'") == 0)
                throw new LeadDatabaseMissingException($"{path} is not a LeadTracker database (no contacts table): check ConnectionStrings__Leads, or run `migrate` on it.");
        }
        catch (SqliteException e)
        {
            throw new LeadDatabaseMissingException($"{path} cannot be read as a LeadTracker database: {e.Message}");
        }
    }

    /// <summary>For a command-line verb: true when the database is there; otherwise writes why, in one line.</summary>
    public static bool Check(SqliteConnectionFactory connections, TextWriter error)
    {
        try
        {
            EnsureExists(connections);
            return true;
        }
        catch (LeadDatabaseMissingException e)
        {
            error.WriteLine(e.Message);
            return false;
        }
    }

    private static SqliteConnectionFactory Existing(string connectionString, SqliteOpenMode mode)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString) { Mode = mode };
        // An operator's verb may wait for the writer's commit to finish rather than fail after the writer's 1 s.
        if (!connectionString.Contains("Timeout", StringComparison.OrdinalIgnoreCase)) builder.DefaultTimeout = 10;
        return new SqliteConnectionFactory(builder.ToString());
    }
}
