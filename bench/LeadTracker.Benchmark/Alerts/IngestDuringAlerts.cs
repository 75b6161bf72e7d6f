using System.Diagnostics;
using System.Globalization;
using LeadTracker.Benchmark.Broker;
using LeadTracker.Benchmark.EndToEnd;
using LeadTracker.Benchmark.Load;
using LeadTracker.Benchmark.Reads;
using LeadTracker.Benchmark.Reporting;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Benchmark.Alerts;

/// <summary>
/// Row 11 (issue 21: a burst of alerts does not delay ingest): the real ingress and worker ingest the same mixed
/// load twice in the same run, each time into a file that already holds 10,000 leads who wrote a minute ago and got
/// no answer. (a) alerts go to a loopback receiver answering 200, due after one second, so all 10,000 are made and
/// delivered while the load runs; (b) no alert endpoint. Both warm up with alerts off and then restart the worker, so
/// the burst starts with the measured load. The ratio (a)/(b) is what the burst costs ingest.
/// </summary>
internal static class IngestDuringAlerts
{
    private const int WaitingLeads = 10_000;
    private const int WarmupEvents = 1_000;
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(60);

    private sealed record Run(LoadRun Load, TimeSpan Elapsed, bool Complete, int AlertsBefore, int AlertsAtEnd, TimeSpan FirstAlert, long WorkerPeak);

    public static async Task RunAsync(BenchOptions options, BrokerSettings broker, RabbitManagement management, Report report,
        string secret, CancellationToken ct)
    {
        if (!options.Phases.Contains("alerts") || options.IngressDll is null || options.WorkerDll is null)
            return;

        await using var sink = new AlertSink();
        await sink.StartAsync(ct);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[11] ingest during a burst of {WaitingLeads:N0} alerts: {options.AlertEvents:N0} events with alerts to {sink.Url}, then without"));
        var on = await IngestAsync(options, broker, management, secret, sink, 11, ct);
        var off = await IngestAsync(options, broker, management, secret, null, 11, ct);

        var onRate = on.Load.Events / on.Elapsed.TotalSeconds;
        var offRate = off.Load.Events / off.Elapsed.TotalSeconds;
        report.Figures["alerts-ingest-ratio"] = onRate / offRate;
        report.Add(new ResultRow(
            "alerts-ingest",
            $"11. ingest during a burst of {WaitingLeads:N0} alerts (end to end, alerts on)",
            on.Load.Events,
            on.Elapsed,
            on.Load.Latency,
            [new PeakMemory("worker", on.WorkerPeak)],
            string.Create(CultureInfo.InvariantCulture,
                $"without alert endpoints {offRate:N0} events/s, ratio on/off ×{onRate / offRate:F2}; alerts delivered during the ingest {on.AlertsAtEnd - on.AlertsBefore:N0} ({on.AlertsBefore:N0} before it, {on.AlertsAtEnd:N0} of {WaitingLeads:N0} when it ended; first alert {on.FirstAlert.TotalSeconds:F1} s after the worker was ready; MaxConcurrency 4, one loopback receiver)")
                + (on.Load.Failures + off.Load.Failures > 0 ? $"; {on.Load.Failures + off.Load.Failures:N0} failed" : ""),
            on.Complete && off.Complete && on.Load.Failures == 0 && off.Load.Failures == 0));
        if (on.AlertsAtEnd == on.AlertsBefore) report.Note("row 11: no alert was delivered while the ingest ran, so (a) did not overlap the burst");
    }

    /// <summary>A system of its own on a seeded file; the clock runs from the first measured request to the last row.</summary>
    private static async Task<Run> IngestAsync(BenchOptions options, BrokerSettings broker, RabbitManagement management, string secret,
        AlertSink? sink, int seed, CancellationToken ct)
    {
        var alerts = new Dictionary<string, string>();
        if (sink is not null)
        {
            alerts["LeadTracker__Alerts__Endpoints__0__Url"] = sink.Url.AbsoluteUri;
            alerts["LeadTracker__Alerts__Endpoints__0__Secret"] = sink.Secret;
            alerts["LeadTracker__Alerts__WaitingAfter"] = "00:00:01";
            alerts["LeadTracker__Alerts__ScanInterval"] = "00:00:00.250";
        }

        var label = sink is null ? "alerts off" : "alerts on";
        await using var system = await BenchSystem.CreateAsync(options, broker, management, sink is null ? "alerts-off" : "alerts-on", secret, options.ChildEnvironment, ct);
        await SeedAsync(system.DatabasePath, ct);
        try
        {
            await system.StartWorkerAsync(ct);
            await system.StartIngressAsync(ct);
            using var client = new WebhookClient(system.WebhookEndpoint, options.Connections);
            var probe = new StoreProbe(system.DatabasePath);

            // The same seed in both runs: the same leads and mix. Its events are three days old, so they make no alert.
            var generator = new WebhookGenerator(secret, options.Phones, seed);
            await LoadGenerator.ClosedLoopAsync(client, generator.Mixed(WarmupEvents), options.Concurrency, new LoadCounters(), ct);
            await probe.WaitForAsync(WithSeeded(generator.Expectation), StallTimeout, _ => { }, ct);

            // The warm-up ran without alerts, so none is sent yet. A fresh worker on the same file for the measured
            // ingest in both runs. In (a) its first scan writes the 10,000 alerts; the clock starts at the first
            // delivery, so the load meets the burst at its start.
            await system.RedeployWorkerAsync(alerts);
            var scan = Stopwatch.StartNew();
            if (sink is not null) await WaitForFirstAlertAsync(sink, ct);
            scan.Stop();

            var webhooks = generator.Mixed(options.AlertEvents);
            var expected = WithSeeded(generator.Expectation);
            var alertsBefore = sink?.Received ?? 0;
            var counters = new LoadCounters();
            var baseline = probe.Read();
            var stored = StoreCounts.Empty;
            var clock = Stopwatch.StartNew();
            LoadRun load;
            (StoreCounts Counts, bool Complete) outcome;
            await using (Progress.Start($"ingest, {label}", () => (counters.Events, stored.Messages - baseline.Messages)))
            {
                var posting = LoadGenerator.ClosedLoopAsync(client, webhooks, options.Concurrency, counters, ct);
                outcome = await probe.WaitForAsync(expected, StallTimeout, c => stored = c, ct);
                load = await posting;
            }

            var elapsed = clock.Elapsed;
            var alertsAtEnd = sink?.Received ?? 0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {label}: {load.Events / elapsed.TotalSeconds:N0} events/s ({load.Events:N0} in {elapsed.TotalSeconds:F1} s); alerts received {alertsBefore:N0} before, {alertsAtEnd:N0} at the end"));
            return new Run(load, elapsed, outcome.Complete, alertsBefore, alertsAtEnd, scan.Elapsed, system.Worker.PeakRssBytes());
        }
        finally
        {
            await system.StopAsync(TimeSpan.FromSeconds(10));
        }
    }

    private static async Task WaitForFirstAlertAsync(AlertSink sink, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + StallTimeout;
        while (sink.Received == 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("row 11: the worker delivered no alert within a minute of its start");
            await Task.Delay(20, ct);
        }
    }

    /// <summary>The generator's expectation plus the seeded leads' message rows, which are in the file from the start.</summary>
    private static Expectation WithSeeded(Expectation generated)
    {
        var expected = generated.Snapshot();
        for (var i = 0; i < WaitingLeads; i++) expected.AddMessage();
        return expected;
    }

    /// <summary>10,000 leads whose inbound message is a minute old and unanswered, written through the worker's store before it starts.</summary>
    private static async Task SeedAsync(string database, CancellationToken ct)
    {
        var connections = new SqliteConnectionFactory($"Data Source={database}");
        DatabaseMigrator.Migrate(connections, NullLogger.Instance);
        var at = DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds();
        using (var store = new LeadStore(connections, NullLogger<LeadStore>.Instance))
        {
            foreach (var chunk in Enumerable.Range(0, WaitingLeads).Chunk(500))
                await store.ApplyAsync([.. chunk.Select(i => ReadLatency.Event(
                    $"bench-waiting-{i}", string.Create(CultureInfo.InvariantCulture, $"+1555080{i:00000}"), null, Direction.Inbound, at))], ct);
        }

        SqliteConnection.ClearAllPools();
    }
}
