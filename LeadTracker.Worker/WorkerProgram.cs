using System.CommandLine;
using LeadTracker.Worker.Alerts;
using LeadTracker.Worker.Commands;
using LeadTracker.Worker.Errors;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker;

/// <summary>The worker executable's entry point (a named class: the tests load the ingress's Program too).</summary>
internal static class WorkerProgram
{
    public static async Task<int> Main(string[] args)
    {
        // One executable, several verbs: `run` is the service; the others are operator tools. Nothing consumes
        // unless asked to by name (Commands/CommandLine explains why).
        var configuration = WorkerConfiguration.Load();
        // Every verb resolves from the registration `run` builds its host on (WorkerServices): the same objects, the
        // same validated options.
        await using var services = WorkerServices.ForCommands(configuration);
        SqliteConnectionFactory Connections() => services.GetRequiredService<SqliteConnectionFactory>();

        var root = new RootCommand("LeadTracker worker: Kapso WhatsApp events from RabbitMQ into the SQLite lead database")
        {
            RunCommand.Create(args),
            MigrateCommand.Create(Connections),
            LeadsCommand.Create(Connections),
            ErrorsCommand.Create(services.GetRequiredService<ErrorQueueConnection>),
            ReconcileCommand.Create(services),
            WorkspacesCommand.Create(Connections),
            BackupCommand.Create(Connections),
            RestoreCommand.Create(Connections),
            AlertsCommand.Create(() => services.GetRequiredService<IOptions<AlertOptions>>().Value, Connections),
        };

        return await CommandLine.InvokeAsync(root, args, configuration.LeadsConnectionString());
    }
}
