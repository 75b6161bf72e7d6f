using System.Runtime.InteropServices;
using LeadTracker.Hosting;
using LeadTracker.Worker.Alerts;
using LeadTracker.Worker.Api;
using LeadTracker.Worker.Backup;
using LeadTracker.Worker.Consumers;
using LeadTracker.Worker.Reconcile;
using LeadTracker.Worker.Storage;
using MassTransit;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker;

/// <summary>
/// The long-running worker: MassTransit consumers over RabbitMQ writing to SQLite, health endpoints on a small
/// Kestrel listener, systemd notify integration, and a graceful stop that finishes what it has in hand.
/// </summary>
internal static partial class WorkerHost
{
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configureTests = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Services.AddSystemd();
        builder.Configuration.AddCredentialFiles();
        builder.AddLeadTrackerTelemetry("leadtracker-worker");

        var services = builder.Services;
        services.AddWorkerServices(builder.Configuration);
        // The listener and the stop timeout are set before the container exists (the host reads them as it is built, so
        // a bad value must not throw there): read here, and validated with every other setting at start.
        var worker = builder.Configuration.GetSection(WorkerOptions.Section).Get<WorkerOptions>() ?? new WorkerOptions();
        builder.WebHost.UseUrls(worker.Urls);
        services.Configure<HostOptions>(o => o.ShutdownTimeout = worker.ShutdownTimeout);

        services.AddScheduledBackups();
        services.AddLeadAlerts();

        services.AddLeadApi(builder.Configuration);
        services.AddHealthChecks().AddCheck<LeadDatabaseHealthCheck>("sqlite", tags: ["ready"])
            .AddCheck<DiskFullHealthCheck>("disk", tags: ["ready"]);
        services.AddSingleton(sp => new BrokerOutageLog(TimeProvider.System, sp.GetRequiredService<ILogger<BrokerOutageLog>>(),
            "no event is consumed meanwhile (they wait in RabbitMQ or the ingress's spool)"));
        services.AddMassTransit(bus =>
        {
            bus.AddReceiveEndpointObserver<BrokerOutageObserver>();
            bus.AddConsumer<MessageEventsConsumer, MessageEventsConsumerDefinition>();
            bus.AddConsumer<ContactEventsConsumer, ContactEventsConsumerDefinition>();
            bus.AddStreamQueueTypes();
            bus.UsingRabbitMq((context, cfg) =>
            {
                var rabbit = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                cfg.LeadTrackerHost(rabbit);
                // MassTransit indents its JSON by default: whitespace the broker carries and both apps write and read.
                cfg.ConfigureJsonSerializerOptions(json => { json.WriteIndented = false; return json; });
                cfg.ConfigureEndpoints(context);
            });
        });
        services.Configure<MassTransitHostOptions>(o =>
        {
            // Start without waiting for the broker: the bus reconnects by itself and /health/ready says when it is up.
            o.WaitUntilStarted = false;
            o.StopTimeout = worker.ShutdownTimeout;
        });

        configureTests?.Invoke(services);
        var app = builder.Build();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WorkerHealthResponse.WriteAsync });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains("ready"), ResponseWriter = WorkerHealthResponse.WriteAsync });
        app.MapLeadApi();
        return app;
    }

    public static async Task<int> RunAsync(string[] args)
    {
        await using var app = Build(args);
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LeadTracker.Worker");
        try
        {
            // Every setting is checked before the database is touched: a bad one changes nothing on disk.
            if (StartCheck.InvalidSettings(app.Services) is { } invalid)
            {
                Log.InvalidConfiguration(logger, invalid);
                return StartCheck.InvalidConfiguration;
            }

            // Checked here, not as an option: a monitored option that fails validation after a SIGHUP reload would
            // throw on the reload's thread and end the process.
            if (!ApiTokens.AllStrong(ApiTokens.Read(app.Configuration)))
            {
                Log.InvalidConfiguration(logger, ApiTokens.TooShort);
                return StartCheck.InvalidConfiguration;
            }

            var connections = app.Services.GetRequiredService<SqliteConnectionFactory>();
            // Held while the worker runs: `restore` refuses to replace the database under it (DatabaseLock).
            using var running = DatabaseLock.Shared(connections.DataSource);
            var applied = DatabaseMigrator.Migrate(connections, logger);
            Log.Started(logger, connections.DataSource, applied.Count);
            // .NET leaves SIGHUP at the kernel's default, which ends the process at once (no graceful stop, no log
            // line). Here it re-reads the configuration, credential files included, and swaps the API tokens.
            using var hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, signal =>
            {
                signal.Cancel = true;
                Reload(app, logger);
            });
            await app.RunAsync();
            return 0;
        }
        catch (OptionsValidationException e)
        {
            var failures = string.Join("; ", e.Failures);
            Log.InvalidConfiguration(logger, failures);
            return StartCheck.InvalidConfiguration;
        }
        catch (DatabaseLockedException e)
        {
            Log.DatabaseLocked(logger, e.Message);
            return 1;
        }
    }

    private static void Reload(WebApplication app, ILogger logger)
    {
        try
        {
            ((IConfigurationRoot)app.Configuration).Reload();
        }
        catch (AggregateException e)
        {
            // A setting that no longer validates: its listeners threw. The tokens below are still checked on their own.
            Log.ReloadRefused(logger, e.Flatten().InnerExceptions[0].Message);
        }

        var tokens = ApiTokens.Read(app.Configuration);
        if (app.Services.GetRequiredService<ApiTokens>().Replace(tokens)) Log.Reloaded(logger, tokens.Count);
        else Log.ReloadRefused(logger, ApiTokens.TooShort);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1002, Level = LogLevel.Information,
            Message = "SIGHUP: configuration re-read; the read API accepts {Tokens} token(s) from now on")]
        public static partial void Reloaded(ILogger logger, int tokens);

        [LoggerMessage(EventId = 1003, Level = LogLevel.Error, Message = "SIGHUP: kept the previous API tokens: {Reason}")]
        public static partial void ReloadRefused(ILogger logger, string reason);

        [LoggerMessage(EventId = 1000, Level = LogLevel.Information,
            Message = "LeadTracker worker starting on {Database} ({Migrations} migrations applied)")]
        public static partial void Started(ILogger logger, string database, int migrations);

        [LoggerMessage(EventId = 1001, Level = LogLevel.Critical, Message = "Invalid configuration: {Failures}")]
        public static partial void InvalidConfiguration(ILogger logger, string failures);

        [LoggerMessage(EventId = 1002, Level = LogLevel.Critical, Message = "Not starting: {Reason}")]
        public static partial void DatabaseLocked(ILogger logger, string reason);
    }
}
