using System.Diagnostics;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Tests.Alerts;

/// <summary>
/// Delivery never slows ingest (docs/alerts.md): 10,000 leads become due at once while events keep coming through
/// the ingress. Counts and timings go to the test output; speed is the benchmark's business, so nothing here is a
/// timed assertion: every event applied, every alert delivered, each id once.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class AlertBurstTests
{
    private const int WaitingLeads = 10_000;
    private const int IngestEvents = 1_000;

    [Test]
    public async Task Ten_thousand_due_alerts_are_all_delivered_while_ingest_goes_on()
    {
        await using var receiver = new AlertReceiver();
        await receiver.StartAsync();
        await using var system = await LeadTrackerSystem.StartAsync("alerts-burst", AlertSystem.Settings([receiver], maxConcurrency: 8), startWorker: false);

        // 10,000 leads who wrote a minute ago, written straight into the worker's file before it starts.
        var seeding = Stopwatch.StartNew();
        var connections = new SqliteConnectionFactory($"Data Source={system.DatabasePath}");
        DatabaseMigrator.Migrate(connections, NullLogger.Instance);
        using (var store = new LeadStore(connections, NullLogger<LeadStore>.Instance, createWorkspaces: true))
        {
            var at = DateTimeOffset.UtcNow.AddMinutes(-1);
            foreach (var chunk in Enumerable.Range(0, WaitingLeads).Chunk(500))
                await store.ApplyAsync([.. chunk.Select(i => AlertLeadEvents.TheyWrote($"+1555090{i:00000}", $"wamid.burst.{i}", at))], CancellationToken.None);
        }

        SqliteConnection.ClearAllPools();
        seeding.Stop();

        var generator = new WebhookGenerator(KapsoSignature.TestSecret, 500, 99);
        var events = generator.ReceivedTexts(IngestEvents); // three days old: ingest load that makes no alert
        var clock = Stopwatch.StartNew();
        await system.StartWorkerAsync();
        // Four posters at once, as Kapso's retries and several numbers would.
        var posting = Parallel.ForEachAsync(events.Chunk(IngestEvents / 4), async (part, _) => await AlertSystem.PostAsync(system, part));
        TimeSpan? ingested = null, delivered = null;
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while ((ingested is null || delivered is null) && DateTime.UtcNow < deadline)
        {
            if (ingested is null && system.Count("SELECT COUNT(*) FROM messages") == WaitingLeads + IngestEvents) ingested = clock.Elapsed;
            if (delivered is null && receiver.Accepted.Count >= WaitingLeads) delivered = clock.Elapsed;
            await Task.Delay(50);
        }

        await posting;
        var accepted = receiver.Accepted;
        TestContext.Out.WriteLine($"seeded {WaitingLeads} waiting leads in {seeding.Elapsed.TotalSeconds:F1} s; from the worker's start: " +
            $"{IngestEvents} events posted and applied in {ingested?.TotalSeconds:F1} s, {accepted.Count} alerts delivered in {delivered?.TotalSeconds:F1} s " +
            "(MaxConcurrency 8, one loopback receiver)");
        Assert.Multiple(() =>
        {
            Assert.That(system.Count("SELECT COUNT(*) FROM messages"), Is.EqualTo(WaitingLeads + IngestEvents), "every event applied\n" + system.Worker.Tail());
            Assert.That(accepted.Select(a => a.Id).Distinct().Count(), Is.EqualTo(WaitingLeads), "every alert delivered");
            Assert.That(accepted, Has.Count.EqualTo(WaitingLeads), "each once");
            Assert.That(receiver.Requests.All(r => r.Verified), Is.True);
        });
    }
}
