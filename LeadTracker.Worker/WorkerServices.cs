using LeadTracker.Hosting;
using LeadTracker.Worker.Alerts;
using LeadTracker.Worker.Consumers;
using LeadTracker.Worker.Errors;
using LeadTracker.Worker.Reconcile;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker;

/// <summary>
/// The worker's one composition root: the options (bound and validated one way), the lead database, the writer, Kapso's
/// API client and catch-up, and the error queues' connection. <c>run</c> builds its host on it (<see cref="WorkerHost"/>);
/// every other verb resolves what it needs from <see cref="ForCommands"/>, so a verb checks the options it uses exactly
/// as <c>run</c> does (a bad one is one line and exit 2, <see cref="Commands.CommandLine"/>).
/// </summary>
internal static class WorkerServices
{
    public static IServiceCollection AddWorkerServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<WorkerOptions>, RetiredSettings>();

        var connectionString = configuration.LeadsConnectionString();
        services.AddSingleton(sp => new SqliteConnectionFactory(connectionString, Worker(sp).Durability, Worker(sp).WalCheckpointPages));
        services.AddSingleton<DiskFullStatus>();
        services.AddSingleton(sp => new LeadStore(sp.GetRequiredService<SqliteConnectionFactory>(),
            sp.GetRequiredService<ILogger<LeadStore>>(), Worker(sp).CreateWorkspaces));
        services.AddSingleton(sp => new LeadWriter(sp.GetRequiredService<LeadStore>(),
            sp.GetRequiredService<ILogger<LeadWriter>>(), Worker(sp).MaxBatchEvents, sp.GetRequiredService<DiskFullStatus>()));
        services.AddSingleton<LeadEventApplier>();
        services.AddKapsoCatchUp();
        services.AddAlertOptions();

        // In a cluster any node's management API sees every queue: the first node of Hosts (or Host) will do.
        services.AddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
            var node = o.Nodes()[0];
            return new ErrorQueueConnection(node.Host, node.Port, o.VirtualHost, o.Username, o.Password, o.ManagementPort);
        });
        return services;
    }

    /// <summary>
    /// The container of the command-line verbs: <see cref="AddWorkerServices"/> over the same configuration sources as
    /// the host, logging warnings and errors in one line each on stderr (stdout is the verb's output).
    /// </summary>
    public static ServiceProvider ForCommands(IConfiguration configuration) =>
        new ServiceCollection()
            .AddSingleton(configuration)
            .AddLogging(logging => logging
                .SetMinimumLevel(LogLevel.Warning)
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace))
            .AddWorkerServices(configuration)
            .BuildServiceProvider();

    private static WorkerOptions Worker(IServiceProvider services) => services.GetRequiredService<IOptions<WorkerOptions>>().Value;
}
