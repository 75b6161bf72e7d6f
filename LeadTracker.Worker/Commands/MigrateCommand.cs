using System.CommandLine;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Worker.Commands;

/// <summary><c>migrate</c>: brings the database's schema up to date and exits (<c>run</c> does the same at start).</summary>
internal static class MigrateCommand
{
    public static Command Create(Func<SqliteConnectionFactory> connections)
    {
        var migrate = new Command("migrate", "Create the SQLite database or apply its pending schema migrations, and exit");
        migrate.SetAction(parse =>
        {
            var applied = DatabaseMigrator.Migrate(connections(), NullLogger.Instance);
            parse.InvocationConfiguration.Output.WriteLine(applied.Count == 0
                ? "Schema is current."
                : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}");
            return 0;
        });
        return migrate;
    }
}
