using System.CommandLine;
using LeadTracker.Contracts;
using LeadTracker.Worker.Commands;
using LeadTracker.Worker.Errors;
using LeadTracker.Worker.Storage;

namespace LeadTracker.Worker;

/// <summary>The worker executable's entry point (a named class: the tests load the ingress's Program too).</summary>
internal static class WorkerProgram
{
    public static async Task<int> Main(string[] args)
    {
        // One executable, several verbs: `run` is the service; the others are operator tools. Nothing consumes
        // unless asked to by name (Commands/CommandLine explains why).
        var configuration = WorkerConfiguration.Load();
        SqliteConnectionFactory Connections() => new(configuration.LeadsConnectionString());

        ErrorQueueConnection Broker()
        {
            var o = configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>() ?? new RabbitMqOptions();
            // In a cluster any node's management API sees every queue: the first node of Hosts (or Host) will do.
            var node = o.Nodes()[0];
            return new ErrorQueueConnection(node.Host, node.Port, o.VirtualHost, o.Username, o.Password, o.ManagementPort);
        }

        var root = new RootCommand("LeadTracker worker: Kapso WhatsApp events from RabbitMQ into the SQLite lead database")
        {
            RunCommand.Create(args),
            MigrateCommand.Create(Connections),
            LeadsCommand.Create(Connections),
            ErrorsCommand.Create(Broker),
            ReconcileCommand.Create(configuration),
            WorkspacesCommand.Create(Connections),
            BackupCommand.Create(Connections),
            RestoreCommand.Create(Connections),
            AlertsCommand.Create(configuration, Connections),
        };

        return await CommandLine.InvokeAsync(root, args, configuration.LeadsConnectionString());
    }
}
