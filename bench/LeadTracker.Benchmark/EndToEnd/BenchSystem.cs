using System.Globalization;
using LeadTracker.Benchmark.Broker;

namespace LeadTracker.Benchmark.EndToEnd;

/// <summary>
/// The real LeadTracker a phase measures: the Release builds made by run.sh, on a virtual host and in a folder of the
/// phase's own (its SQLite files, spool and logs), configured only through environment variables.
/// </summary>
internal static class BenchSystem
{
    public static async Task<LeadTrackerSystem> CreateAsync(BenchOptions options, BrokerSettings broker, RabbitManagement management,
        string phase, string secret, IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var vhost = await TestBroker.CreateNamedAsync($"leadtracker-bench-{phase}-{Guid.NewGuid():N}"[..33], management, ct);
        var folder = Directory.CreateDirectory(Path.Combine(options.WorkDirectory, phase)).FullName;
        var settings = new Dictionary<string, string>
        {
            ["LeadTracker__RabbitMq__Host"] = broker.Host,
            ["LeadTracker__RabbitMq__Port"] = broker.Port.ToString(CultureInfo.InvariantCulture),
            ["LeadTracker__RabbitMq__Username"] = broker.User,
            ["LeadTracker__RabbitMq__Password"] = broker.Password,
        };
        foreach (var (key, value) in environment) settings[key] = value;
        return new LeadTrackerSystem(new LeadTrackerApps(options.IngressDll!, options.WorkerDll!), vhost, folder, secret, settings, logToFiles: true);
    }
}
