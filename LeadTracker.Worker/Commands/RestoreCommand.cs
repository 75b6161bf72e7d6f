using System.CommandLine;
using System.Globalization;
using Dapper;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;

namespace LeadTracker.Worker.Commands;

/// <summary>
/// <c>restore --from FILE</c>: puts a backup in place of the lead database. Checks the file first (SQLite's
/// integrity check, the lead tables, a schema this version knows), refuses while a worker runs on the database
/// (<see cref="DatabaseLock"/>), keeps the replaced file beside it as <c>&lt;database&gt;.before-restore-&lt;time&gt;</c>
/// (with its WAL, so it stays whole), and prints what it restored. The next <c>run</c> migrates an older backup.
/// </summary>
internal static class RestoreCommand
{
    public static Command Create(Func<SqliteConnectionFactory> connections)
    {
        var from = new Option<string>("--from") { Description = "The backup file (leadtracker-<time>.db from `backup`)", Required = true };
        var command = new Command("restore",
            "Replace the lead database (ConnectionStrings:Leads) with a backup: checks the backup, refuses while a worker runs, " +
            "keeps the replaced file as <database>.before-restore-<UTC time>; then run `reconcile --since` for what came after")
        {
            from,
        };
        command.SetAction(parse => Run(parse, connections().DataSource, parse.GetValue(from)!));
        return command;
    }

    private static int Run(ParseResult parse, string database, string backup)
    {
        var error = parse.InvocationConfiguration.Error;
        int Fail(string message)
        {
            error.WriteLine("restore: " + message);
            return CommandLine.Failed;
        }

        backup = Path.GetFullPath(backup);
        database = Path.GetFullPath(database);
        if (!File.Exists(backup)) return Fail($"no file at {backup}");
        if (backup == database) return Fail($"{backup} is the database itself");

        (long Messages, long Contacts, int Pending) content;
        try
        {
            content = Inspect(backup);
        }
        catch (Exception e) when (e is SqliteException or BackupCheckException)
        {
            return Fail($"{backup} cannot be restored: {e.Message.Split('\n', 2)[0]}");
        }

        string? kept;
        try
        {
            using var held = DatabaseLock.Exclusive(database);
            kept = Replace(database, backup);
        }
        catch (DatabaseLockedException e)
        {
            return Fail($"refused, nothing changed: {e.Message}");
        }

        var output = parse.InvocationConfiguration.Output;
        var schema = content.Pending == 0
            ? "its schema is current."
            : string.Create(CultureInfo.InvariantCulture, $"{content.Pending} migration(s) pending, applied when the worker starts.");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Restored {backup} into {database}: {content.Messages} messages, {content.Contacts} contacts; {schema}"));
        output.WriteLine(kept is null
            ? "There was no database to replace."
            : $"The replaced database is kept at {kept}.");
        output.WriteLine("Next: start the worker, then `reconcile --since <backup time minus 10 minutes>` to catch up from Kapso.");
        return 0;
    }

    /// <summary>Integrity, tables and schema: a backup from a newer LeadTracker is refused (its schema is unknown here).</summary>
    private static (long Messages, long Contacts, int Pending) Inspect(string backup)
    {
        using var db = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = backup, Mode = SqliteOpenMode.ReadOnly, Pooling = false,
        }.ToString());
        db.Open();
        var (messages, contacts) = DatabaseBackup.Check(db, backup);
        var applied = db.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'SchemaVersions' COLLATE NOCASE") == 0
            ? []
            : db.Query<string>("SELECT ScriptName FROM SchemaVersions").ToArray();
        var known = DatabaseMigrator.Scripts();
        if (applied.Except(known).ToArray() is [var unknown, ..])
            throw new BackupCheckException($"it was written by a newer LeadTracker (schema script {unknown} is unknown to this one): restore it with that version");
        return (messages, contacts, known.Except(applied).Count());
    }

    /// <returns>Where the replaced database now is, or null when there was none.</returns>
    private static string? Replace(string database, string backup)
    {
        var folder = Path.GetDirectoryName(database)!;
        Directory.CreateDirectory(folder);
        var incoming = Path.Combine(folder, "." + Path.GetFileName(database) + ".restoring");
        File.Copy(backup, incoming, overwrite: true);

        string? kept = null;
        if (File.Exists(database))
        {
            kept = $"{database}.before-restore-{DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}";
            // Its WAL may hold its last commits: it moves with it, under the name SQLite looks for beside the kept file.
            foreach (var suffix in new[] { "-wal", "-shm" })
                if (File.Exists(database + suffix)) File.Move(database + suffix, kept + suffix);
            File.Move(database, kept);
        }
        else
        {
            foreach (var suffix in new[] { "-wal", "-shm", "-journal" }) File.Delete(database + suffix);
        }

        DurableFile.Publish(incoming, database);
        return kept;
    }
}
