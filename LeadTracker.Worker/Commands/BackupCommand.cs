using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;

namespace LeadTracker.Worker.Commands;

/// <summary>
/// <c>backup --to DIR [--json]</c>: an online copy of the lead database while the worker keeps writing
/// (<see cref="DatabaseBackup"/>). Reads the database, writes one new file in DIR and nothing else. A failure (a
/// full or read-only folder, a copy that fails its check) is one line and exit 1, with the partial file removed.
/// </summary>
internal static class BackupCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Command Create(Func<SqliteConnectionFactory> connections)
    {
        var to = new Option<string>("--to") { Description = "The folder the backup file goes to (created if missing)", Required = true };
        var json = new Option<bool>("--json") { Description = "Print {path, bytes, messages, contacts, takenAt, durationMs} as JSON" };
        var command = new Command("backup",
            "Copy the lead database, consistently, while the worker runs: reads the SQLite file (ConnectionStrings:Leads) and " +
            "writes DIR/leadtracker-<UTC time>.db, checked with PRAGMA integrity_check and synced before it gets that name")
        {
            to, json,
        };
        command.SetAction(parse => Run(parse, connections(), parse.GetValue(to)!, parse.GetValue(json)));
        return command;
    }

    private static int Run(ParseResult parse, SqliteConnectionFactory configured, string folder, bool json)
    {
        var error = parse.InvocationConfiguration.Error;
        var source = LeadDatabase.ReadWrite(configured.ConnectionString);
        if (!LeadDatabase.Check(source, error)) return CommandLine.Failed;

        BackupResult backup;
        try
        {
            backup = DatabaseBackup.Take(source, folder);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException or BackupCheckException)
        {
            error.WriteLine($"backup: no backup written to {Path.GetFullPath(folder)}: {Reason(e)} " +
                "(the partial file was removed; earlier backups there are untouched)");
            return CommandLine.Failed;
        }

        var output = parse.InvocationConfiguration.Output;
        output.WriteLine(json
            ? JsonSerializer.Serialize(backup, Json)
            : string.Create(CultureInfo.InvariantCulture,
                $"Backed up {Path.GetFullPath(source.DataSource)} to {backup.Path}: {backup.Messages} messages, {backup.Contacts} contacts, " +
                $"{backup.Bytes / 1048576.0:F1} MiB, snapshot at {backup.TakenAt:yyyy-MM-dd HH:mm:ss'Z'}, {backup.DurationMs} ms"));
        return 0;
    }

    // SQLite's messages end in a pointer to its web page: the reason is what comes before it.
    private static string Reason(Exception e) =>
        System.Text.RegularExpressions.Regex.Replace(e.Message.Split('\n', 2)[0].TrimEnd('\r'), @"\s*For more information on this error code see \S+", "");
}
