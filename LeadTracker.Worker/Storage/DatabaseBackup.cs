using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Data.Sqlite;

namespace LeadTracker.Worker.Storage;

/// <summary>The copy is not a sound LeadTracker database (its integrity check or its tables say so).</summary>
internal sealed class BackupCheckException(string message) : Exception(message);

/// <summary>
/// An online, consistent copy of the lead database while the worker keeps writing: SQLite's online backup API
/// copies one snapshot (a read transaction; in WAL mode the writer is never blocked by it) into a temporary file
/// in the target folder, the copy is checked (<c>PRAGMA integrity_check</c>, its tables), synced, and only then
/// renamed to <c>leadtracker-&lt;UTC time&gt;.db</c>. Whatever fails, the temporary file is removed and the
/// folder's other files are not touched.
/// </summary>
internal static class DatabaseBackup
{
    public const string FilePrefix = "leadtracker-";
    public const string FileSuffix = ".db";

    /// <summary>Sortable by name: <c>leadtracker-20261207T141500.123Z.db</c>.</summary>
    public static string FileName(DateTimeOffset takenAt) =>
        FilePrefix + takenAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture) + FileSuffix;

    /// <summary>The backups in <paramref name="folder"/>, oldest first (their names sort by time).</summary>
    public static IReadOnlyList<string> List(string folder) =>
        Directory.Exists(folder)
            ? Directory.GetFiles(folder, FilePrefix + "*" + FileSuffix).Order(StringComparer.Ordinal).ToArray()
            : [];

    /// <param name="source">The live database (read-only connections will do).</param>
    public static BackupResult Take(SqliteConnectionFactory source, string folder)
    {
        Directory.CreateDirectory(folder);
        var started = Stopwatch.GetTimestamp();
        var takenAt = DateTimeOffset.UtcNow;
        var final = Path.Combine(Path.GetFullPath(folder), FileName(takenAt));
        var partial = Path.Combine(Path.GetDirectoryName(final)!, "." + Path.GetFileName(final) + ".partial");
        try
        {
            long messages, contacts;
            using (var from = source.Open())
            using (var to = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = partial, Pooling = false }.ToString()))
            {
                to.Open();
                from.BackupDatabase(to);
                // The copy is one file to ship: a rollback journal, not a WAL beside it.
                to.Execute("PRAGMA journal_mode = DELETE");
                (messages, contacts) = Check(to, partial);
            }

            DurableFile.Publish(partial, final);
            return new BackupResult(final, new FileInfo(final).Length, messages, contacts, takenAt,
                (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch
        {
            foreach (var leftover in new[] { partial, partial + "-journal", partial + "-wal", partial + "-shm" })
                File.Delete(leftover);
            throw;
        }
    }

    /// <summary>Deletes all but the newest <paramref name="keep"/> backups in <paramref name="folder"/>.</summary>
    /// <returns>The files deleted.</returns>
    public static IReadOnlyList<string> Prune(string folder, int keep)
    {
        var old = List(folder).SkipLast(keep).ToArray();
        foreach (var file in old) File.Delete(file);
        return old;
    }

    /// <summary>Throws <see cref="BackupCheckException"/> unless <paramref name="db"/> passes SQLite's integrity check
    /// and has the lead tables.</summary>
    /// <returns>Its messages and contacts.</returns>
    public static (long Messages, long Contacts) Check(SqliteConnection db, string path)
    {
        var problems = db.Query<string>("PRAGMA integrity_check").ToArray();
        if (problems is not ["ok"])
            throw new BackupCheckException($"{path} fails SQLite's integrity check: {string.Join("; ", problems.Take(3))}");
        if (db.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('messages', 'contacts')") != 2)
            throw new BackupCheckException($"{path} is not a LeadTracker database (no messages and contacts tables)");
        return (db.ExecuteScalar<long>("SELECT COUNT(*) FROM messages"), db.ExecuteScalar<long>("SELECT COUNT(*) FROM contacts"));
    }
}
