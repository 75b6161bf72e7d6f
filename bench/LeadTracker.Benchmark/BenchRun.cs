using System.Diagnostics;
using System.Globalization;
using System.Text;
using LeadTracker.Benchmark.Broker;
using LeadTracker.Benchmark.EndToEnd;
using LeadTracker.Benchmark.Load;
using LeadTracker.Benchmark.Naive;
using LeadTracker.Benchmark.Reporting;
using LeadTracker.Benchmark.Storage;
using Microsoft.Data.Sqlite;

namespace LeadTracker.Benchmark;

/// <summary>The phases of one benchmark run, in order, each adding its rows to the report.</summary>
internal sealed class BenchRun(BenchOptions options, BrokerSettings broker, RabbitManagement management, Report report)
{
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);
    private readonly string _secret = "bench_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
    private int _seed = 4;

    // Half the tuned naive endpoint's closed-loop maximum, in requests/s: the rate of the latency rows 7a/7b.
    private double? _halfNaiveRate;

    /// <summary>Events per warm-up round; rounds repeat until the JIT has settled (<see cref="JitSettling"/>), at most <see cref="MaxWarmUpRounds"/>.</summary>
    private const int WarmUpRoundEvents = 5_000;

    private const int MaxWarmUpRounds = 12;

    private byte[] SecretBytes => Encoding.UTF8.GetBytes(_secret);

    private WebhookGenerator NewGenerator() => new(_secret, options.Phones, _seed++);

    public async Task RunAsync(CancellationToken ct)
    {
        if (options.Phases.Contains("broker"))
        {
            await BrokerAsync(ct);
        }

        if (options.Phases.Contains("storage"))
        {
            await StorageAsync(ct);
        }

        if (options.Phases.Contains("naive"))
        {
            await NaiveAsync(NaiveMode.Defaults, options.NaiveDefaultEvents, ct);
            await NaiveAsync(NaiveMode.Tuned, options.Events, ct);
        }

        if (options.Phases.Overlaps(["e2e", "latency", "backlog"]))
        {
            await LeadTrackerAsync(ct);
        }

        await Reads.ReadLatency.RunAsync(options, broker, management, report, _secret, ct);
        await Alerts.IngestDuringAlerts.RunAsync(options, broker, management, report, _secret, ct);
    }

    private async Task BrokerAsync(CancellationToken ct)
    {
        Console.WriteLine($"[1] broker limit: RabbitMQ.Client alone, {options.Events:N0} persistent, confirmed messages");
        var events = NewGenerator().Mixed(2_000).SelectMany(w => w.Events).ToList();
        var result = await BrokerLimit.RunAsync(
            management, broker, events, options.Events, options.BrokerChannels, options.BrokerWindow, options.BrokerPrefetch, ct);
        var setup = string.Create(
            CultureInfo.InvariantCulture,
            $"{result.AverageBodyBytes:N0} B bodies (MassTransit-sized envelope), durable classic queue");
        report.Add(Row(
            "broker-publish",
            $"1a. broker: publish only ({result.Channels} channels, {result.Window} confirms in flight)",
            result.Messages,
            result.PublishPerSecond,
            setup));
        report.Add(Row("broker-consume", $"1b. broker: consume only (prefetch {result.Prefetch}, multiple-ack)", result.Messages, result.ConsumePerSecond, setup));
        report.Add(Row("broker", "1c. broker limit: publish + consume at once", result.Messages, result.CombinedPerSecond, setup));

        static ResultRow Row(string key, string scenario, int n, double perSecond, string notes) =>
            new(key, scenario, n, TimeSpan.FromSeconds(n / perSecond), null, [], notes);
    }

    private async Task StorageAsync(CancellationToken ct)
    {
        Console.WriteLine($"[2] storage limit: LeadStore.ApplyBatchAsync straight into SQLite, {options.Events:N0} events");
        var events = StorageLimit.Parse(NewGenerator().Mixed(options.Events).SelectMany(w => w.Events).ToList());
        await StorageLimit.RunAsync(events, options.WorkDirectory, report, ct);
        foreach (var size in options.StorageSizes)
        {
            var path = PrefilledDatabase.Ensure(options.CacheDirectory, size);
            await StorageLimit.RunPrefilledAsync(events, path, size, options.WorkDirectory, report, ct);
        }

        // The first size only (1,000,000 by default; 100,000 with --quick): a backup of a 10M file takes minutes.
        if (options.StorageSizes is [var backedUp, ..])
        {
            Console.WriteLine($"[2] storage: the writer's commits while a file of {backedUp:N0} messages is backed up");
            await BackupDuringWrites.RunAsync(PrefilledDatabase.Ensure(options.CacheDirectory, backedUp), backedUp, options.WorkDirectory, report, ct);
        }

        Console.WriteLine($"[2] storage: new events on a lead with {options.LeadHistory:N0} messages vs one with 10");
        await LeadCost.RunAsync(options.WorkDirectory, options.LeadHistory, report, ct);
    }

    private async Task NaiveAsync(NaiveMode mode, int events, CancellationToken ct)
    {
        var label = mode == NaiveMode.Defaults ? "SQLite defaults" : "tuned";
        Console.WriteLine($"[3] naive baseline ({label}): ASP.NET Core + Dapper writing SQLite inside the request, {events:N0} events");
        var database = Path.Combine(options.WorkDirectory, $"naive-{mode.ToString().ToLowerInvariant()}.db");
        var generator = NewGenerator();
        var webhooks = generator.Mixed(events);
        var expected = generator.Expectation;
        await using var server = await NaiveServer.StartAsync(mode, database, SecretBytes);
        using var client = new WebhookClient(server.Endpoint, options.Connections);
        // The tuned server is measured at its steady state, as LeadTracker is (the same rule); the SQLite-defaults one
        // is bound by its journal, not its code, and too slow for long rounds.
        var warmUp = "";
        if (mode == NaiveMode.Tuned)
        {
            var (rounds, share) = await JitSettling.WarmUpAsync([Environment.ProcessId], MaxWarmUpRounds, () =>
                LoadGenerator.ClosedLoopAsync(client, generator.Mixed(WarmUpRoundEvents), options.Concurrency, new LoadCounters(), ct));
            warmUp = "; " + JitSettling.Describe(rounds, share);
        }
        else
        {
            await LoadGenerator.ClosedLoopAsync(client, generator.Mixed(Math.Min(500, events / 10)), options.Concurrency, new LoadCounters(), ct);
        }

        var counters = new LoadCounters();
        var probe = new StoreProbe(database);
        LoadRun run;
        var cpu = CpuTime.Start([CpuTime.Self, .. CpuTime.Broker()]);
        await using (Progress.Start($"naive ({label})", () => (counters.Events, counters.Events)))
        {
            run = await LoadGenerator.ClosedLoopAsync(client, webhooks, options.Concurrency, counters, ct);
        }

        var counts = probe.Read();
        var complete = counts.Covers(expected) && run.Failures == 0;
        var notes = mode == NaiveMode.Defaults
            ? "rollback journal, synchronous=FULL, connection + transaction per request"
            : "WAL, synchronous=NORMAL, one connection, SemaphoreSlim writer, transaction per request";
        report.Add(new ResultRow(
            mode == NaiveMode.Defaults ? "naive-defaults" : "naive-tuned",
            $"3{(mode == NaiveMode.Defaults ? "a" : "b")}. naive ASP.NET + SQLite, {label}",
            run.Events,
            run.Elapsed,
            run.Latency,
            [new PeakMemory("bench process", Environment.WorkingSet)],
            notes + "; " + cpu.PerEvent(run.Events) + warmUp + Failures(run),
            complete));

        if (mode == NaiveMode.Tuned && options.Phases.Contains("latency"))
        {
            _halfNaiveRate = Math.Round(run.Requests / run.Elapsed.TotalSeconds / 2);
            var fixedRate = await FixedRateRunAsync($"naive (tuned) at {_halfNaiveRate:N0} requests/s", client, generator, _halfNaiveRate.Value, ct);
            report.Add(new ResultRow(
                "naive-latency-half",
                string.Create(CultureInfo.InvariantCulture, $"7b. naive tuned at {_halfNaiveRate:N0} requests/s (half its max, open loop)"),
                fixedRate.Requests,
                fixedRate.Elapsed,
                fixedRate.Latency,
                [],
                "events/s column = requests/s offered; latency from the scheduled send time" + Failures(fixedRate),
                fixedRate.Failures == 0));
        }
    }

    private async Task<LoadRun> FixedRateRunAsync(string what, WebhookClient client, WebhookGenerator generator, double rate, CancellationToken ct)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[7] {what} for {options.RateSeconds} s (open loop)"));
        var webhooks = generator.MixedRequests((int)(rate * options.RateSeconds));
        var counters = new LoadCounters();
        await using (Progress.Start(what, () => (counters.Requests, counters.Requests)))
        {
            return await LoadGenerator.OpenLoopAsync(client, webhooks, rate, counters, ct);
        }
    }

    private async Task LeadTrackerAsync(CancellationToken ct)
    {
        if (options.IngressDll is null || options.WorkerDll is null || !File.Exists(options.IngressDll) || !File.Exists(options.WorkerDll))
        {
            report.Note("LeadTracker end to end, latency and backlog skipped: ingress/worker builds not found (--ingress/--worker)");
            return;
        }

        await using var system = await BenchSystem.CreateAsync(options, broker, management, "e2e", _secret, options.ChildEnvironment, ct);
        if (options.ChildEnvironment.Count > 0)
        {
            report.Note("ingress/worker run with " + string.Join(", ", options.ChildEnvironment.Select(e => $"{e.Key}={e.Value}")));
        }

        try
        {
            Console.WriteLine("[4] LeadTracker end to end: starting the worker and the ingress (Release builds)");
            await system.StartWorkerAsync(ct);
            await system.StartIngressAsync(ct);
            using var client = new WebhookClient(system.WebhookEndpoint, options.Connections);
            var probe = new StoreProbe(system.DatabasePath);
            var generator = NewGenerator();

            // Warm-up: connection pools, queues, and code at its steady tier (JitSettling); each round stored and
            // checked before the next, so the worker's share of it is in the round too.
            var (rounds, share) = await JitSettling.WarmUpAsync([Environment.ProcessId, system.Ingress.Pid, system.Worker.Pid], MaxWarmUpRounds, async () =>
            {
                await LoadGenerator.ClosedLoopAsync(client, generator.Mixed(WarmUpRoundEvents), options.Concurrency, new LoadCounters(), ct);
                await probe.WaitForAsync(generator.Expectation.Snapshot(), StallTimeout, _ => { }, ct);
            });
            var warmUp = JitSettling.Describe(rounds, share);

            if (options.Phases.Contains("e2e"))
            {
                await HttpLimitAsync(client, system.Ingress, ct);
                await EndToEndAsync(generator, client, probe, system.Worker, system.Ingress, warmUp, ct);
            }

            if (options.Phases.Contains("latency"))
            {
                await FixedRateAsync(generator, client, probe, system.Ingress, ct);
            }

            if (options.Phases.Contains("backlog"))
            {
                await system.Worker.StopAsync(TimeSpan.FromSeconds(30));
                await BacklogAsync(system, client, ct);
            }

            var depths = await system.Broker.QueueDepthsAsync(ct);
            var errors = depths.Where(q => q.Key.EndsWith("_error", StringComparison.Ordinal) && q.Value > 0).ToList();
            if (errors.Count > 0)
            {
                report.Note("error queues not empty: " + string.Join(", ", errors.Select(q => $"{q.Key} {q.Value}")));
            }

            // The ingress's own warnings: a publish that outwaited its timeout goes to the spool, a bad signature is 401.
            foreach (var (needle, what) in new[] { ("spooling", "publishes spooled (RabbitMQ slower than the publish timeout)"), ("Webhook rejected", "webhooks rejected") })
            {
                if (system.Ingress.CountLines(needle) is > 0 and var count)
                {
                    report.Note($"ingress log: {count} × {what}");
                }
            }
        }
        finally
        {
            await system.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    private async Task EndToEndAsync(
        WebhookGenerator generator, WebhookClient client, StoreProbe probe, ServiceProcess worker, ServiceProcess ingress, string warmUp,
        CancellationToken ct)
    {
        var webhooks = generator.Mixed(options.Events);
        var expected = generator.Expectation.Snapshot();
        var baseline = probe.Read();
        var counters = new LoadCounters();
        var stored = StoreCounts.Empty;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"[4] LeadTracker end to end: {webhooks.Count:N0} webhooks / {options.Events:N0} events, {options.Concurrency} senders over {options.Connections} connections"));
        var clock = Stopwatch.StartNew();
        var cpu = CpuTime.Start([CpuTime.Self, ("ingress", ingress.Pid), ("worker", worker.Pid), .. CpuTime.Broker()]);
        var jit = new JitSettling([Environment.ProcessId, ingress.Pid, worker.Pid]);
        LoadRun run;
        (StoreCounts Counts, bool Complete) outcome;
        await using (Progress.Start("leadtracker e2e", () => (counters.Events, stored.Messages - baseline.Messages)))
        {
            var load = LoadGenerator.ClosedLoopAsync(client, webhooks, options.Concurrency, counters, ct);
            outcome = await probe.WaitForAsync(expected, StallTimeout, c => stored = c, ct);
            run = await load;
        }

        var elapsed = clock.Elapsed;
        report.Figures["e2e-requests-per-second"] = run.Requests / elapsed.TotalSeconds;
        report.Add(new ResultRow(
            "e2e",
            "4. LeadTracker end to end (HTTP → RabbitMQ → SQLite)",
            run.Events,
            elapsed,
            run.Latency,
            [new PeakMemory("ingress", ingress.PeakRssBytes()), new PeakMemory("worker", worker.PeakRssBytes())],
            string.Create(
                CultureInfo.InvariantCulture,
                $"{run.Requests:N0} requests ({run.Requests / run.Elapsed.TotalSeconds:N0}/s accepted); clock stops when the last row is in SQLite; ")
                + cpu.PerEvent(run.Events)
                + string.Create(CultureInfo.InvariantCulture, $" ({jit.Share:P0} of it in the JIT); {warmUp}")
                + Failures(run),
            outcome.Complete && run.Failures == 0));
        if (!outcome.Complete)
        {
            report.Note($"end to end incomplete: stored {outcome.Counts} of {Describe(expected)}");
        }
    }

    /// <summary>Row 0: the same load generator against the ingress, for a signed event type it answers and relays nowhere.</summary>
    private async Task HttpLimitAsync(WebhookClient client, ServiceProcess ingress, CancellationToken ct)
    {
        var webhooks = NewGenerator().Ignored(options.Events);
        Console.WriteLine($"[0] HTTP limit: {webhooks.Count:N0} signed webhooks of a type the ingress ignores");
        var counters = new LoadCounters();
        LoadRun run;
        await using (Progress.Start("http limit", () => (counters.Requests, counters.Requests)))
        {
            run = await LoadGenerator.ClosedLoopAsync(client, webhooks, options.Concurrency, counters, ct);
        }

        report.Add(new ResultRow(
            "http",
            "0. HTTP limit: the ingress answering a signed event type it ignores (signature, shallow parse, 200)",
            run.Requests,
            run.Elapsed,
            run.Latency,
            [new PeakMemory("ingress", ingress.PeakRssBytes())],
            "events/s column = requests/s; nothing relayed" + Failures(run),
            run.Failures == 0));
    }

    private async Task FixedRateAsync(WebhookGenerator generator, WebhookClient client, StoreProbe probe, ServiceProcess ingress, CancellationToken ct)
    {
        var requests = (int)(options.Rate * options.RateSeconds);
        Console.WriteLine($"[5] latency at a fixed rate: {options.Rate:N0} requests/s for {options.RateSeconds} s (open loop), worker running");
        var webhooks = generator.MixedRequests(requests);
        var counters = new LoadCounters();
        LoadRun run;
        await using (Progress.Start("fixed rate", () => (counters.Requests, counters.Requests)))
        {
            run = await LoadGenerator.OpenLoopAsync(client, webhooks, options.Rate, counters, ct);
        }

        report.Add(new ResultRow(
            "latency",
            string.Create(CultureInfo.InvariantCulture, $"5. LeadTracker ingress at {options.Rate:N0} requests/s (open loop)"),
            run.Requests,
            run.Elapsed,
            run.Latency,
            [new PeakMemory("ingress", ingress.PeakRssBytes())],
            "events/s column = requests/s offered; latency from the scheduled send time" + Failures(run),
            run.Failures == 0));

        if (_halfNaiveRate is { } half)
        {
            var halfRun = await FixedRateRunAsync($"LeadTracker ingress at {half:N0} requests/s", client, generator, half, ct);
            report.Add(new ResultRow(
                "latency-half",
                string.Create(CultureInfo.InvariantCulture, $"7a. LeadTracker ingress at {half:N0} requests/s (half the tuned naive's max, open loop)"),
                halfRun.Requests,
                halfRun.Elapsed,
                halfRun.Latency,
                [new PeakMemory("ingress", ingress.PeakRssBytes())],
                "events/s column = requests/s offered; compare p99 with 7b" + Failures(halfRun),
                halfRun.Failures == 0));
        }

        // Let the worker catch up so the backlog phase starts from empty queues.
        await probe.WaitForAsync(generator.Expectation.Snapshot(), StallTimeout, _ => { }, ct);
    }

    private async Task BacklogAsync(LeadTrackerSystem system, WebhookClient client, CancellationToken ct)
    {
        var generator = NewGenerator();
        var webhooks = generator.Batches(options.BacklogEvents, options.BacklogBatch);
        var expected = generator.Expectation;
        var counters = new LoadCounters();
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"[6] backlog: worker stopped, {options.BacklogEvents:N0} events posted as {webhooks.Count:N0} batched webhooks of {options.BacklogBatch}"));
        LoadRun posted;
        await using (Progress.Start("backlog: queueing", () => (counters.Events, 0)))
        {
            posted = await LoadGenerator.ClosedLoopAsync(client, webhooks, Math.Min(options.Concurrency, 16), counters, ct);
        }

        var database = Path.Combine(system.Folder, "leadtracker-backlog.db");
        var probe = new StoreProbe(database);
        var stored = StoreCounts.Empty;
        Console.WriteLine("[6] backlog: starting the worker on a fresh SQLite file");
        var clock = Stopwatch.StartNew();
        TimeSpan? firstRow = null;
        (StoreCounts Counts, bool Complete) outcome;
        await using (Progress.Start("backlog: draining", () => (posted.Events, stored.Messages)))
        {
            var starting = system.MoveWorkerAsync(database, ct);
            outcome = await probe.WaitForAsync(expected, StallTimeout, c =>
            {
                stored = c;
                if (firstRow is null && c.Messages > 0)
                {
                    firstRow = clock.Elapsed;
                }
            }, ct);
            await starting;
        }

        var elapsed = clock.Elapsed;
        var steady = firstRow is { } f && elapsed > f ? expected.Events / (elapsed - f).TotalSeconds : double.NaN;
        report.Add(new ResultRow(
            "backlog",
            "6. backlog drain (worker started on a full queue)",
            expected.Events,
            elapsed,
            null,
            [new PeakMemory("worker", system.Worker.PeakRssBytes())],
            string.Create(
                CultureInfo.InvariantCulture,
                $"from worker process start; first row after {firstRow?.TotalSeconds:F1} s, {steady:N0}/s from then; queued at {posted.Events / posted.Elapsed.TotalSeconds:N0} events/s through the ingress")
                + Failures(posted),
            outcome.Complete && posted.Failures == 0));
        if (!outcome.Complete)
        {
            report.Note($"backlog incomplete: stored {outcome.Counts} of {Describe(expected)}");
        }
    }

    private static string Failures(LoadRun run) =>
        run.Failures == 0 && run.Retries == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"; {run.Failures:N0} failed, {run.Retries:N0} retried");

    private static string Describe(Expectation e) => string.Create(
        CultureInfo.InvariantCulture,
        $"{e.Messages:N0} messages, {e.StatusAdvanced:N0} receipts, marketing sequence sum {e.MarketingSequenceSum:N0}");

    internal static void ClearPools() => SqliteConnection.ClearAllPools();
}
