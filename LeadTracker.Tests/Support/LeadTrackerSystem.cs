using System.Net;
using System.Net.Sockets;
using Dapper;
using Microsoft.Data.Sqlite;

namespace LeadTracker.Tests.Support;

/// <summary>
/// The whole product on this machine: the real ingress and worker processes, a fresh RabbitMQ virtual host and
/// a fresh SQLite file. What the README's run command starts, isolated per test.
/// </summary>
internal sealed class LeadTrackerSystem : IAsyncDisposable
{
    private LeadTrackerSystem(TestBroker broker, string folder, Dictionary<string, string> environment, int ingressPort, int workerPort)
    {
        Broker = broker;
        Folder = folder;
        DatabasePath = Path.Combine(folder, "leadtracker.db");
        var ingressEnv = new Dictionary<string, string>(environment)
        {
            ["LeadTracker__Spool__Path"] = Path.Combine(folder, "ingress-spool.db"),
        };
        var workerEnv = new Dictionary<string, string>(environment)
        {
            ["ConnectionStrings__Leads"] = $"Data Source={DatabasePath}",
            ["LeadTracker__Worker__HealthUrls"] = $"http://127.0.0.1:{workerPort}",
        };

        IngressUrl = new Uri($"http://127.0.0.1:{ingressPort}");
        Ingress = new ServiceProcess("ingress", RepoPaths.ServiceDll("LeadTracker.Ingress"), ["--urls", IngressUrl.ToString()],
            ingressEnv, new Uri(IngressUrl, "/health/ready"));
        Worker = new ServiceProcess("worker", RepoPaths.ServiceDll("LeadTracker.Worker"), ["run"],
            workerEnv, new Uri($"http://127.0.0.1:{workerPort}/health/ready"));
        Http = new HttpClient { BaseAddress = IngressUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public TestBroker Broker { get; }

    public string Folder { get; }

    public string DatabasePath { get; }

    public Uri IngressUrl { get; }

    public ServiceProcess Ingress { get; private set; }

    public ServiceProcess Worker { get; private set; }

    public HttpClient Http { get; }

    /// <param name="extra">More environment for both services, e.g. a short publish timeout.</param>
    /// <param name="broker">A virtual host made elsewhere (on the test cluster); a new one on the local broker by default.</param>
    public static async Task<LeadTrackerSystem> StartAsync(string purpose, IReadOnlyDictionary<string, string>? extra = null,
        bool startWorker = true, TestBroker? broker = null)
    {
        broker ??= await TestBroker.CreateAsync(purpose);
        var folder = Path.Combine(Path.GetTempPath(), "leadtracker-tests", $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var environment = new Dictionary<string, string>
        {
            ["LeadTracker__RabbitMq__VirtualHost"] = broker.VirtualHost,
            ["LeadTracker__Kapso__WebhookSecret"] = KapsoFixtures.Secret,
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) environment[key] = value;

        var system = new LeadTrackerSystem(broker, folder, environment, FreePort(), FreePort());
        if (startWorker)
        {
            system.Worker.Start();
            await system.Worker.WaitReadyAsync();
        }

        system.Ingress.Start();
        await system.Ingress.WaitReadyAsync();
        return system;
    }

    /// <summary>A new worker process on the same database and vhost (after a kill or a stop).</summary>
    public async Task RestartWorkerAsync()
    {
        await Worker.DisposeAsync();
        Worker = Worker.Clone();
        Worker.Start();
        await Worker.WaitReadyAsync();
    }

    /// <summary>Stops the ingress (SIGTERM) and starts it on the same port and spool with some settings changed.</summary>
    public async Task RedeployIngressAsync(IReadOnlyDictionary<string, string> changes) => Ingress = await RedeployAsync(Ingress, changes);

    /// <summary>Stops the worker if it runs (SIGTERM) and starts it on the same database with some settings changed.</summary>
    public async Task RedeployWorkerAsync(IReadOnlyDictionary<string, string> changes) => Worker = await RedeployAsync(Worker, changes);

    private static async Task<ServiceProcess> RedeployAsync(ServiceProcess old, IReadOnlyDictionary<string, string> changes)
    {
        await old.TerminateAsync(TimeSpan.FromSeconds(30));
        await old.DisposeAsync();
        var next = old.Clone(changes);
        next.Start();
        await next.WaitReadyAsync();
        return next;
    }

    public async Task StartWorkerAsync()
    {
        Worker.Start();
        await Worker.WaitReadyAsync();
    }

    public SqliteConnection OpenDatabase()
    {
        var db = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        db.Open();
        return db;
    }

    public long Count(string sql, object? parameters = null)
    {
        if (!File.Exists(DatabasePath)) return 0;
        using var db = OpenDatabase();
        return db.ExecuteScalar<long>(sql, parameters);
    }

    /// <summary>Polls until <paramref name="condition"/> holds; fails with both services' output if it never does.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (condition()) return;
            }
            catch (SqliteException)
            {
                // the worker may be mid-migration on its first start
            }

            await Task.Delay(100);
        }

        Assert.Fail($"Timed out waiting for {what}.\n--- worker ---\n{Worker.Tail()}\n--- ingress ---\n{Ingress.Tail()}");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Ingress.DisposeAsync();
        await Worker.DisposeAsync();
        await Broker.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // left for the OS temp cleaner
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
