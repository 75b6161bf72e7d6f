using Dapper;
using Microsoft.Data.Sqlite;

namespace LeadTracker.Testing;

/// <summary>
/// The whole product on this machine: the real ingress and worker processes on a RabbitMQ virtual host of their own
/// and a SQLite file of their own, configured only through environment variables. What the README's run command
/// starts, isolated per test or benchmark phase.
/// </summary>
public sealed class LeadTrackerSystem : IAsyncDisposable
{
    private readonly bool _ownsFolder;

    /// <param name="folder">Where the SQLite file, the ingress's spool and (with <paramref name="logToFiles"/>) the logs go.</param>
    /// <param name="environment">More settings for both services, e.g. a short publish timeout or the broker's address.</param>
    /// <param name="logToFiles">Output to ingress.log and worker.log in <paramref name="folder"/> rather than to memory (long runs).</param>
    public LeadTrackerSystem(LeadTrackerApps apps, TestBroker broker, string folder, string secret,
        IReadOnlyDictionary<string, string>? environment = null, bool logToFiles = false)
        : this(apps, broker, folder, secret, environment, logToFiles, ownsFolder: false)
    {
    }

    private LeadTrackerSystem(LeadTrackerApps apps, TestBroker broker, string folder, string secret,
        IReadOnlyDictionary<string, string>? environment, bool logToFiles, bool ownsFolder)
    {
        Broker = broker;
        Folder = folder;
        _ownsFolder = ownsFolder;
        DatabasePath = Path.Combine(folder, "leadtracker.db");
        var common = new Dictionary<string, string>
        {
            ["LeadTracker__RabbitMq__VirtualHost"] = broker.VirtualHost,
            ["LeadTracker__Kapso__WebhookSecret"] = secret,
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) common[key] = value;

        var workerPort = LoopbackPort.Free();
        IngressUrl = new Uri($"http://127.0.0.1:{LoopbackPort.Free()}");
        WorkerUrl = new Uri($"http://127.0.0.1:{workerPort}");
        Ingress = new ServiceProcess("ingress", apps.IngressDll, ["--urls", IngressUrl.ToString()],
            new Dictionary<string, string>(common) { ["LeadTracker__Spool__Path"] = Path.Combine(folder, "ingress-spool.db") },
            new Uri(IngressUrl, "/health/ready"), logToFiles ? Path.Combine(folder, "ingress.log") : null);
        Worker = new ServiceProcess("worker", apps.WorkerDll, ["run"],
            new Dictionary<string, string>(common)
            {
                ["ConnectionStrings__Leads"] = $"Data Source={DatabasePath}",
                ["LeadTracker__Worker__Urls"] = WorkerUrl.ToString().TrimEnd('/'),
            },
            new Uri(WorkerUrl, "/health/ready"), logToFiles ? Path.Combine(folder, "worker.log") : null);
        Http = new HttpClient { BaseAddress = IngressUrl, Timeout = TimeSpan.FromSeconds(30) };
    }

    public TestBroker Broker { get; }

    public string Folder { get; }

    public string DatabasePath { get; private set; }

    public Uri IngressUrl { get; }

    /// <summary>Where Kapso posts: the ingress's webhook endpoint.</summary>
    public Uri WebhookEndpoint => new(IngressUrl, Webhook.Path);

    /// <summary>The worker's own listener: health, metrics, the read API and the leads page.</summary>
    public Uri WorkerUrl { get; }

    public ServiceProcess Ingress { get; private set; }

    public ServiceProcess Worker { get; private set; }

    /// <summary>A client of the ingress (base address <see cref="IngressUrl"/>).</summary>
    public HttpClient Http { get; }

    /// <summary>
    /// The tests' system: the services built in this checkout, the local broker (a new virtual host unless
    /// <paramref name="broker"/> is given), the fixtures' secret, a temporary folder deleted on dispose.
    /// </summary>
    /// <param name="extra">More environment for both services, e.g. a short publish timeout.</param>
    /// <param name="broker">A virtual host made elsewhere (on the test cluster); a new one on the local broker by default.</param>
    public static async Task<LeadTrackerSystem> StartAsync(string purpose, IReadOnlyDictionary<string, string>? extra = null,
        bool startWorker = true, TestBroker? broker = null)
    {
        broker ??= await TestBroker.CreateAsync(purpose);
        var folder = Path.Combine(Path.GetTempPath(), "leadtracker-tests", $"{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var system = new LeadTrackerSystem(LeadTrackerApps.InThisCheckout(), broker, folder, KapsoSignature.TestSecret, extra,
            logToFiles: false, ownsFolder: true);
        try
        {
            if (startWorker) await system.StartWorkerAsync();
            await system.StartIngressAsync();
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    public async Task StartWorkerAsync(CancellationToken ct = default)
    {
        Worker.Start();
        await Worker.WaitReadyAsync(ct: ct);
    }

    public async Task StartIngressAsync(CancellationToken ct = default)
    {
        Ingress.Start();
        await Ingress.WaitReadyAsync(ct: ct);
    }

    /// <summary>A new worker process on the same database and vhost (after a kill or a stop).</summary>
    public async Task RestartWorkerAsync()
    {
        await Worker.DisposeAsync();
        Worker = Worker.Clone();
        await StartWorkerAsync();
    }

    /// <summary>Stops the ingress (SIGTERM) and starts it on the same port and spool with some settings changed.</summary>
    public async Task RedeployIngressAsync(IReadOnlyDictionary<string, string> changes) => Ingress = await RedeployAsync(Ingress, changes);

    /// <summary>Stops the worker if it runs (SIGTERM) and starts it on the same database with some settings changed.</summary>
    public async Task RedeployWorkerAsync(IReadOnlyDictionary<string, string> changes) => Worker = await RedeployAsync(Worker, changes);

    /// <summary>Stops the worker if it runs (SIGTERM) and starts it on another SQLite file, same vhost: a fresh store.</summary>
    public async Task MoveWorkerAsync(string databasePath, CancellationToken ct = default)
    {
        DatabasePath = databasePath;
        Worker = await RedeployAsync(Worker, new Dictionary<string, string> { ["ConnectionStrings__Leads"] = $"Data Source={databasePath}" }, ct);
    }

    /// <summary>SIGTERM to the ingress, then the worker; SIGKILL to what has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        await Ingress.StopAsync(grace);
        await Worker.StopAsync(grace);
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

    /// <summary>Polls until <paramref name="condition"/> holds; throws with both services' output if it never does.</summary>
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

        throw new TimeoutException($"Timed out waiting for {what}.\n--- worker ---\n{Worker.Tail()}\n--- ingress ---\n{Ingress.Tail()}");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Ingress.DisposeAsync();
        await Worker.DisposeAsync();
        await Broker.DisposeAsync();
        SqliteConnection.ClearAllPools();
        if (!_ownsFolder) return;
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // left for the OS temp cleaner
        }
    }

    private static async Task<ServiceProcess> RedeployAsync(ServiceProcess old, IReadOnlyDictionary<string, string> changes,
        CancellationToken ct = default)
    {
        await old.TerminateAsync(TimeSpan.FromSeconds(30));
        await old.DisposeAsync();
        var next = old.Clone(changes);
        next.Start();
        await next.WaitReadyAsync(ct: ct);
        return next;
    }
}
