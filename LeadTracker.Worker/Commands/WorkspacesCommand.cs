using System.CommandLine;
using System.Text.Json;
using LeadTracker.Worker.Storage;
using LeadTracker.Worker.Workspaces;

namespace LeadTracker.Worker.Commands;

/// <summary>
/// <c>workspaces list</c> and <c>workspaces rename PHONE_NUMBER_ID "Name"</c>: give Kapso's opaque business number
/// ids a name people recognise (shown by <c>leads</c>, the read API and the page). Neither creates a database.
/// </summary>
internal static class WorkspacesCommand
{
    public static Command Create(Func<SqliteConnectionFactory> connections)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table" };
        var list = new Command("list", "List the business numbers (workspaces) with their names and lead counts (read-only)") { json };
        list.SetAction(parse => Open(parse, connections, LeadDatabase.ReadOnly, db =>
        {
            var workspaces = WorkspaceRows.List(db);
            var output = parse.InvocationConfiguration.Output;
            if (parse.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(workspaces, LeadsCommand.Json));
                return 0;
            }

            output.WriteLine($"{"PHONE_NUMBER_ID",-20} {"LEADS",7}  {"CREATED",-17} NAME");
            foreach (var w in workspaces)
                output.WriteLine($"{w.PhoneNumberId,-20} {w.Leads,7}  {w.CreatedAtIso[..16].Replace('T', ' ') + "Z",-17} {TerminalText.Safe(w.Name ?? "-")}");
            output.WriteLine($"{workspaces.Count} workspace(s)");
            return 0;
        }));

        var id = new Argument<string>("PHONE_NUMBER_ID") { Description = "Kapso's phone_number_id of the business number" };
        var name = new Argument<string>("NAME") { Description = $"The name to show (at most {WorkspaceRows.MaxNameLength} characters)" };
        var rename = new Command("rename", "Name a workspace: writes workspaces.display_name in the lead database") { id, name };
        rename.SetAction(parse => Open(parse, connections, LeadDatabase.ReadWrite, db =>
        {
            var phoneNumberId = parse.GetValue(id)!.Trim();
            var newName = parse.GetValue(name)!.Trim();
            var error = parse.InvocationConfiguration.Error;
            if (newName.Length is 0 or > WorkspaceRows.MaxNameLength || newName.Any(char.IsControl))
            {
                error.WriteLine($"The name must be 1 to {WorkspaceRows.MaxNameLength} printable characters.");
                return CommandLine.Usage;
            }

            if (!WorkspaceRows.Rename(db, phoneNumberId, newName))
            {
                error.WriteLine($"No workspace {phoneNumberId}: `workspaces list` shows the known ones (a workspace appears with its first event).");
                return CommandLine.Failed;
            }

            parse.InvocationConfiguration.Output.WriteLine($"Workspace {phoneNumberId} is now \"{newName}\".");
            return 0;
        }));

        return new Command("workspaces", "List and name the business numbers (workspaces)") { list, rename };
    }

    private static int Open(ParseResult parse, Func<SqliteConnectionFactory> connections,
        Func<string, SqliteConnectionFactory> mode, Func<SqliteConnectionFactory, int> action)
    {
        var db = mode(connections().ConnectionString);
        return LeadDatabase.Check(db, parse.InvocationConfiguration.Error) ? action(db) : 1;
    }
}
