using System.CommandLine;
using LeadTracker.Hosting;

namespace LeadTracker.Worker.Commands;

/// <summary><c>run</c>: the service itself (<see cref="WorkerHost"/>); the only verb that consumes.</summary>
internal static class RunCommand
{
    public static Command Create(string[] args)
    {
        var run = new Command("run",
            $"Run the service until stopped: consume RabbitMQ's {QueueNames.MessageEvents} and {QueueNames.ContactEvents} " +
            "queues and write them to the SQLite database (ConnectionStrings:Leads), migrating it first");
        // The host reads its own arguments (configuration overrides such as --Urls); the verb is not one of them.
        run.SetAction((_, _) => WorkerHost.RunAsync(args.SkipWhile(a => a == "run").ToArray()));
        return run;
    }
}
