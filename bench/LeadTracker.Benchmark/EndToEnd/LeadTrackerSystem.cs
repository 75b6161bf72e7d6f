using System.Globalization;
using System.Net;
using System.Net.Sockets;
using LeadTracker.Benchmark.Broker;

namespace LeadTracker.Benchmark.EndToEnd;

/// <summary>
/// The real LeadTracker under test: the ingress and the worker as child processes (the Release builds made by
/// run.sh), on a vhost of their own and a SQLite file of their own, configured only through environment variables.
/// </summary>
internal sealed class LeadTrackerSystem(
    string ingressDll, string workerDll, BrokerSettings broker, string vhost, string secret, string workDirectory,
    IReadOnlyDictionary<string, string> overrides)
{
    private readonly int _ingressPort = FreePort();
    private readonly int _workerPort = FreePort();

    public Uri WebhookEndpoint => new($"http://127.0.0.1:{_ingressPort}/webhooks/kapso");

    public Uri IngressReady => new($"http://127.0.0.1:{_ingressPort}/health/ready");

    public Uri WorkerReady => new($"http://127.0.0.1:{_workerPort}/health/ready");

    public async Task<ChildProcess> StartWorkerAsync(string databasePath, string label, CancellationToken ct)
    {
        var env = Common();
        env["ConnectionStrings__Leads"] = $"Data Source={databasePath}";
        env["LeadTracker__Worker__HealthUrls"] = $"http://127.0.0.1:{_workerPort}";
        Override(env);
        var worker = ChildProcess.Start("worker", workerDll, ["run"], env, Path.Combine(workDirectory, $"worker-{label}.log"));
        await worker.WaitHealthyAsync(WorkerReady, TimeSpan.FromSeconds(90), ct);
        return worker;
    }

    public async Task<ChildProcess> StartIngressAsync(CancellationToken ct)
    {
        var env = Common();
        env["LeadTracker__Kapso__WebhookSecret"] = secret;
        env["ASPNETCORE_URLS"] = $"http://127.0.0.1:{_ingressPort}";
        env["LeadTracker__Spool__Path"] = Path.Combine(workDirectory, "ingress-spool.db");
        Override(env);
        var ingress = ChildProcess.Start(
            "ingress", ingressDll, ["--urls", $"http://127.0.0.1:{_ingressPort}"], env, Path.Combine(workDirectory, "ingress.log"));
        await ingress.WaitHealthyAsync(IngressReady, TimeSpan.FromSeconds(90), ct);
        return ingress;
    }

    private Dictionary<string, string> Common() => new()
    {
        ["DOTNET_ENVIRONMENT"] = "Production",
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["LeadTracker__RabbitMq__Host"] = broker.Host,
        ["LeadTracker__RabbitMq__Port"] = broker.Port.ToString(CultureInfo.InvariantCulture),
        ["LeadTracker__RabbitMq__VirtualHost"] = vhost,
        ["LeadTracker__RabbitMq__Username"] = broker.User,
        ["LeadTracker__RabbitMq__Password"] = broker.Password,
    };

    private void Override(Dictionary<string, string> env)
    {
        foreach (var (key, value) in overrides)
        {
            env[key] = value;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
