using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using LeadTracker.Benchmark.Broker;
using LeadTracker.Benchmark.EndToEnd;
using LeadTracker.Benchmark.Load;
using LeadTracker.Benchmark.Reporting;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Benchmark.Reads;

/// <summary>
/// The read API under write load (issue 9): a database with 100,000 leads, the real worker and ingress, and each
/// view's latency measured twice in the same run, once idle and once while webhooks arrive at half the
/// end-to-end maximum this run measured (row 4). The ratio of the two says what ingestion costs the readers;
/// the reads use their own read-only connections, so it should stay small.
/// </summary>
internal static class ReadLatency
{
    private const int Leads = 100_000;
    private const string Token = "bench-read-token-7d1f0c-0123456789abcdef";
    private static readonly TimeSpan IdleSeconds = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LoadedSeconds = TimeSpan.FromSeconds(10);

    private static readonly (string Key, string Path)[] Views =
    [
        ("stale", "/api/leads/stale?days=7"),
        ("follow-up", "/api/leads/follow-up"),
        ("recent", "/api/leads/recent"),
        // Inbound times spread over 60 days: about 800 waiting leads have a window that closes within 24 h.
        ("closing", "/api/leads/closing?hours=24"),
        ("search", "/api/leads?search=555%20900%2012"),
        ("timeline", "/api/leads/{id}"),
        ("counts", "/api/leads/counts?days=7"),
    ];

    public static async Task RunAsync(BenchOptions options, BrokerSettings broker, RabbitManagement management, Report report,
        string secret, CancellationToken ct)
    {
        if (!options.Phases.Contains("e2e") || options.IngressDll is null || options.WorkerDll is null)
            return;

        var endToEnd = report.Rows.FirstOrDefault(r => r.Key == "e2e");
        if (endToEnd is null)
        {
            report.Note("read API rows skipped: they ingest at half of row 4's rate, and row 4 did not run");
            return;
        }

        double? maximum = endToEnd.EventsPerSecond;
        if (!endToEnd.Complete) report.Note("read API rows: row 4 was incomplete, so \"half the maximum\" is half of a low figure");

        var environment = new Dictionary<string, string>(options.ChildEnvironment) { ["LeadTracker__Api__Tokens"] = Token };
        await using var system = await BenchSystem.CreateAsync(options, broker, management, "reads", secret, environment, ct);
        Console.WriteLine($"[7] read API: seeding {Leads:N0} leads into {system.DatabasePath}");
        var seeded = await SeedAsync(system.DatabasePath, ct);
        try
        {
            await system.StartWorkerAsync(ct);
            await system.StartIngressAsync(ct);
            var worker = system.Worker;
            using var api = new HttpClient { BaseAddress = system.WorkerUrl, Timeout = TimeSpan.FromSeconds(30) };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

            // Idle first (also the warm-up), then under a paced ingest for the whole of the loaded measurement.
            var idle = new Dictionary<string, LatencySummary>();
            foreach (var (key, path) in Views) idle[key] = (await MeasureAsync(api, Resolve(path, seeded), IdleSeconds, ct)).Latency;

            var eventsPerSecond = maximum.Value / 2;
            var generator = new WebhookGenerator(secret, options.Phones, 97);
            var sample = generator.MixedRequests(1_000);
            var eventsPerRequest = sample.Average(w => w.Events.Count);
            var requestsPerSecond = eventsPerSecond / eventsPerRequest;
            var budget = LoadedSeconds.TotalSeconds * (Views.Length + 2);
            var webhooks = sample.Concat(generator.MixedRequests((int)(requestsPerSecond * budget))).ToList();
            using var client = new WebhookClient(system.WebhookEndpoint, options.Connections);
            using var stopIngest = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var counters = new LoadCounters();
            var ingest = Task.Run(() => LoadGenerator.OpenLoopAsync(client, webhooks, requestsPerSecond, counters, stopIngest.Token), ct);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[7] read API: each view for {LoadedSeconds.TotalSeconds:F0} s while ingesting {eventsPerSecond:N0} events/s (half of {maximum:N0})"));
            await Task.Delay(TimeSpan.FromSeconds(2), ct); // let the ingest reach its pace

            foreach (var (key, path) in Views)
            {
                var loaded = await MeasureAsync(api, Resolve(path, seeded), LoadedSeconds, ct);
                report.Add(new ResultRow(
                    "read-" + key,
                    $"7. read API p99, GET {path.Replace("{id}", "ID", StringComparison.Ordinal)} ({Leads:N0} leads, ingest at half max)",
                    loaded.Requests,
                    loaded.Elapsed,
                    loaded.Latency,
                    [new PeakMemory("worker", worker.PeakRssBytes())],
                    string.Create(CultureInfo.InvariantCulture,
                        $"events/s column = requests/s, one client; idle p50 {idle[key].P50:F1} ms, p99 {idle[key].P99:F1} ms; under ingest p99 ×{loaded.Latency.P99 / idle[key].P99:F1} of idle; ingest {eventsPerSecond:N0} events/s")
                        + (loaded.Failures > 0 ? $"; {loaded.Failures} non-200" : ""),
                    loaded.Failures == 0));
            }

            await stopIngest.CancelAsync();
            try
            {
                await ingest;
            }
            catch (OperationCanceledException)
            {
                // stopped on purpose once the reads were measured
            }

            if (counters.Failures > 0) report.Note($"read API rows: {counters.Failures} webhooks failed during the paced ingest");
        }
        finally
        {
            await system.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    /// <summary>One client, one request after another, for <paramref name="duration"/>: latency per request.</summary>
    private static async Task<(int Requests, int Failures, TimeSpan Elapsed, LatencySummary Latency)> MeasureAsync(
        HttpClient api, string path, TimeSpan duration, CancellationToken ct)
    {
        var latencies = new Latencies(1_000_000);
        var failures = 0;
        var clock = Stopwatch.StartNew();
        var requests = 0;
        while (clock.Elapsed < duration)
        {
            var t0 = Stopwatch.GetTimestamp();
            using var response = await api.GetAsync(path, HttpCompletionOption.ResponseContentRead, ct);
            latencies.Record(Stopwatch.GetTimestamp() - t0);
            if (!response.IsSuccessStatusCode) failures++;
            requests++;
        }

        return (requests, failures, clock.Elapsed, latencies.Summarize());
    }

    private static string Resolve(string path, long leadId) => path.Replace("{id}", leadId.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>
    /// 100,000 leads over the last 60 days, each with an inbound message and half of them with our answer, written
    /// through the worker's own store (so the search index and every lead time are what the worker keeps).
    /// Returns the id of a lead with messages, for the timeline view.
    /// </summary>
    private static async Task<long> SeedAsync(string database, CancellationToken ct)
    {
        var connections = new SqliteConnectionFactory($"Data Source={database}", SqliteDurability.Normal);
        DatabaseMigrator.Migrate(connections, NullLogger.Instance);
        var random = new Random(9);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var span = (long)TimeSpan.FromDays(60).TotalMilliseconds;
        using (var store = new LeadStore(connections, NullLogger<LeadStore>.Instance))
        {
            for (var first = 0; first < Leads; first += 1_000)
            {
                var batch = new List<LeadEvent>(1_500);
                for (var i = first; i < first + 1_000; i++)
                {
                    var phone = $"+1555{900_000_000 + i}";
                    var inbound = now - random.NextInt64(span);
                    batch.Add(Event($"bench-read-in-{i}", phone, $"Reader {i}", Direction.Inbound, inbound));
                    if (i % 2 == 0) batch.Add(Event($"bench-read-out-{i}", phone, null, Direction.Outbound, now - random.NextInt64(span)));
                }

                await store.ApplyAsync(batch, ct);
            }
        }

        using var db = connections.Open();
        using var command = db.CreateCommand();
        command.CommandText = "SELECT contact_id FROM messages WHERE wamid = 'bench-read-in-0'";
        var leadId = (long)command.ExecuteScalar()!;
        SqliteConnection.ClearAllPools();
        return leadId;
    }

    /// <summary>A text message of a lead at <paramref name="at"/> (Unix ms), as the worker's store applies it; row 11 seeds with it too.</summary>
    internal static LeadEvent Event(string wamid, string phone, string? name, Direction direction, long at) => new()
    {
        EventType = direction == Direction.Inbound ? "whatsapp.message.received" : "whatsapp.message.sent",
        PhoneNumberId = WebhookGenerator.PhoneNumberId,
        ReceivedAtMs = at,
        Contact = new ContactFact { PhoneE164 = phone, ProfileName = name, ObservedAtMs = at },
        Message = new MessageFact
        {
            Wamid = wamid,
            Direction = direction,
            Type = "text",
            Body = direction == Direction.Inbound ? "Hello, is it still available?" : "Yes, when would you like to visit?",
            Status = direction == Direction.Inbound ? MessageStatus.Received : MessageStatus.Sent,
            OccurredAtMs = at,
            IsOutreach = direction == Direction.Outbound,
        },
    };
}
