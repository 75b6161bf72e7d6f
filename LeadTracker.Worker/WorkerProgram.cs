using System.CommandLine;
using LeadTracker.Contracts;
using LeadTracker.Worker.Errors;
using LeadTracker.Worker.Leads;
using LeadTracker.Worker.Reconcile;
using LeadTracker.Worker.Storage;
using LeadTracker.Worker.Workspaces;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Worker;

/// <summary>The worker executable's entry point (a named class: the tests load the ingress's Program too).</summary>
internal static class WorkerProgram
{
    public static async Task<int> Main(string[] args)
    {
        // One executable, several verbs: `run` is the service; the others are operator tools. Nothing consumes
        // unless asked to by name (CommandLine explains why).
        var configuration = WorkerConfiguration.Load();
        SqliteConnectionFactory Connections() => new(configuration.LeadsConnectionString());

        ErrorQueueConnection Broker()
        {
            var o = configuration.GetSection(RabbitMqOptions.Section).Get<RabbitMqOptions>() ?? new RabbitMqOptions();
            // In a cluster any node's management API sees every queue: the first node of Hosts (or Host) will do.
            var node = o.Nodes()[0];
            return new ErrorQueueConnection(node.Host, node.Port, o.VirtualHost, o.Username, o.Password, o.ManagementPort);
        }

        var run = new Command("run",
            $"Run the service until stopped: consume RabbitMQ's {QueueNames.MessageEvents} and {QueueNames.ContactEvents} " +
            "queues and write them to the SQLite database (ConnectionStrings:Leads), migrating it first");
        run.SetAction((_, _) => WorkerHost.RunAsync(args.SkipWhile(a => a == "run").ToArray()));

        var migrate = new Command("migrate", "Create the SQLite database or apply its pending schema migrations, and exit");
        migrate.SetAction(parse =>
        {
            var applied = DatabaseMigrator.Migrate(Connections(), NullLogger.Instance);
            parse.InvocationConfiguration.Output.WriteLine(applied.Count == 0
                ? "Schema is current."
                : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}");
            return 0;
        });

        var root = new RootCommand("LeadTracker worker: Kapso WhatsApp events from RabbitMQ into the SQLite lead database")
        {
            run,
            migrate,
            LeadsCommand.Create(Connections),
            ErrorsCommand.Create(Broker),
            ReconcileCommand.Create(configuration),
            WorkspacesCommand.Create(Connections),
        };

        return await CommandLine.InvokeAsync(root, args, configuration.LeadsConnectionString());
    }
}
