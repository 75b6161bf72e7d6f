using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Dapper;
using LeadTracker.Hosting;
using LeadTracker.Tests.Api;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// Full disks on a real small filesystem (a tmpfs of a few MiB), with the real processes and broker. Under the
/// worker, a full disk is a wait: no event is acknowledged or dead-lettered because of it, readiness says why, one
/// line when it starts and one when it clears, and every event is stored once when space returns. Under the
/// ingress's spool during a broker outage: what it cannot hold is answered 503 with a problem body (Kapso retries),
/// never 200 or an empty 500, and everything answered 200 is delivered when the broker returns.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class FullDiskTests
{
    private const string DiskFullLine = "Database disk full";
    private const string RoomLine = "Database disk has room again";

    [Test]
    public async Task A_full_database_disk_makes_the_worker_wait_and_every_event_is_stored_once_when_space_returns()
    {
        await using var disk = await SmallDisk.MountAsync(megabytes: 16);
        await using var system = await LeadTrackerSystem.StartAsync("fulldisk-worker", startWorker: false);
        // A small WAL, as docs/backups.md advises for a small disk.
        await system.RedeployWorkerAsync(new Dictionary<string, string>
        {
            ["ConnectionStrings__Leads"] = $"Data Source={Path.Combine(disk.Path, "leadtracker.db")}",
            ["LeadTracker__Worker__WalCheckpointPages"] = "100",
        });
        var database = Path.Combine(disk.Path, "leadtracker.db");
        long Messages() => Count(database, "SELECT COUNT(*) FROM messages");
        var events = new UniqueEvents();

        var before = events.Take(50);
        await UniqueEvents.Send(system.Http, before).FinishAsync(TimeSpan.FromSeconds(60));
        await system.WaitUntilAsync(() => Messages() == before.Count, TimeSpan.FromSeconds(60), "the first 50 events stored");

        await disk.FillAsync();
        var during = events.Take(400);
        var delivery = UniqueEvents.Send(system.Http, during, concurrency: 8);
        await delivery.FinishAsync(TimeSpan.FromSeconds(120));
        Assert.That(delivery.Accepted, Has.Count.EqualTo(during.Count), "the ingress took every event: " + delivery.AnswerSummary);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        string readiness = "";
        await system.WaitUntilAsync(() =>
        {
            using var response = http.GetAsync(system.Worker.Health).GetAwaiter().GetResult();
            readiness = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
            return response.StatusCode == HttpStatusCode.ServiceUnavailable && readiness.Contains("disk full", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(60), "readiness to say the database disk is full");

        // Longer than every retry MassTransit gives a delivery (ConsumerRetry: 0.2 + 1 + 5 s): a full disk treated
        // as a fault would have dead-lettered by now.
        await Task.Delay(TimeSpan.FromSeconds(9));
        var storedWhileFull = Messages();
        var heldInQueue = await system.Broker.MessageCountAsync(QueueNames.MessageEvents);
        var deadLetteredWhileFull = await system.Broker.MessageCountAsync(QueueNames.MessageEvents + QueueNames.ErrorSuffix);

        disk.Free();
        var total = before.Count + during.Count;
        await system.WaitUntilAsync(() => Messages() == total, TimeSpan.FromSeconds(90), $"all {total} events stored once space returned");
        await system.Worker.WaitReadyAsync(TimeSpan.FromSeconds(30));

        var distinct = Count(database, "SELECT COUNT(DISTINCT wamid) FROM messages");
        var stored = Count(database, $"SELECT COUNT(*) FROM messages WHERE wamid IN ({string.Join(',', before.Concat(during).Select(e => $"'{e.Wamid}'"))})");
        var deadLettered = await system.Broker.MessageCountAsync(QueueNames.MessageEvents + QueueNames.ErrorSuffix);
        var fullLines = system.Worker.CountLines(DiskFullLine);
        var roomLines = system.Worker.CountLines(RoomLine);
        TestContext.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"posted {total} (answered 200: {before.Count + delivery.Accepted.Count}); while full: stored {storedWhileFull}, held in the queue {heldInQueue}, " +
            $"dead-lettered {deadLetteredWhileFull}; after: stored {stored} ({distinct} distinct), dead-lettered {deadLettered}; " +
            $"lines: {fullLines} '{DiskFullLine}', {roomLines} '{RoomLine}'; readiness while full: {readiness}"));
        Assert.Multiple(() =>
        {
            Assert.That(storedWhileFull, Is.LessThan(total), "the disk did fill before every event was stored");
            Assert.That(heldInQueue, Is.GreaterThan(0), "unacknowledged events stay in the queue while the disk is full");
            Assert.That(deadLetteredWhileFull, Is.Zero, "nothing dead-lettered while full");
            Assert.That(deadLettered, Is.Zero, "nothing dead-lettered at all");
            Assert.That(stored, Is.EqualTo(total), "every event stored");
            Assert.That(distinct, Is.EqualTo(total), "none twice");
            Assert.That(fullLines, Is.EqualTo(1), "one line when the wait starts");
            Assert.That(roomLines, Is.EqualTo(1), "one line when it clears");
            Assert.That(readiness, Does.Contain("database disk full"));
            Assert.That(Count(database, "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), Is.EqualTo(1));
        });
    }

    [Test]
    public async Task A_full_spool_disk_during_a_broker_outage_answers_503_with_a_problem_and_every_200_is_delivered_later()
    {
        await using var disk = await SmallDisk.MountAsync(megabytes: 4);
        await using var system = await LeadTrackerSystem.StartAsync("fulldisk-spool");
        var brokerDown = new Dictionary<string, string>
        {
            ["LeadTracker__RabbitMq__Port"] = ClosedPort().ToString(CultureInfo.InvariantCulture),
            ["LeadTracker__Ingress__PublishTimeout"] = "00:00:00.500",
            ["LeadTracker__Spool__Path"] = Path.Combine(disk.Path, "spool.db"),
        };
        await system.RedeployIngressAsync(brokerDown);
        var events = new UniqueEvents();

        var before = UniqueEvents.Send(system.Http, events.Take(20), concurrency: 1);
        await before.FinishAsync(TimeSpan.FromSeconds(60));
        await disk.FillAsync();
        var refusals = new List<(HttpStatusCode Status, string? ContentType, string Body)>();
        var after = events.Take(60);
        var acceptedAfter = new List<UniqueEvent>();
        foreach (var e in after)
        {
            using var request = e.ToRequest();
            using var response = await system.Http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.OK) acceptedAfter.Add(e);
            else refusals.Add((response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync()));
        }

        using var ready = await system.Http.GetAsync("/health/ready");
        var readiness = await ready.Content.ReadAsStringAsync();
        var accepted = before.Accepted.Concat(acceptedAfter).ToArray();
        var ingressOutput = system.Ingress.Output.ToArray();

        await system.RedeployIngressAsync(new Dictionary<string, string> { ["LeadTracker__RabbitMq__Port"] = "5672" });
        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM messages") >= accepted.Length, TimeSpan.FromSeconds(90),
            $"the {accepted.Length} events answered 200 delivered once the broker is back");
        await Task.Delay(TimeSpan.FromSeconds(2));
        var delivered = system.Count($"SELECT COUNT(*) FROM messages WHERE wamid IN ({string.Join(',', accepted.Select(e => $"'{e.Wamid}'"))})");
        var refusedStored = system.Count($"SELECT COUNT(*) FROM messages WHERE wamid IN ({string.Join(',', after.Except(acceptedAfter).Select(e => $"'{e.Wamid}'"))})");
        TestContext.Out.WriteLine($"answered 200: {accepted.Length} ({before.Accepted.Count} before the disk filled); refused: {refusals.Count} " +
            $"({string.Join(", ", refusals.GroupBy(r => r.Status).Select(g => $"{(int)g.Key}: {g.Count()}"))}); delivered later: {delivered}; " +
            $"readiness while full: {(int)ready.StatusCode} {readiness}");
        Assert.Multiple(() =>
        {
            Assert.That(before.Accepted, Has.Count.EqualTo(20), "spooled while there was room: " + before.AnswerSummary);
            Assert.That(refusals, Is.Not.Empty, "the full disk refused events");
            Assert.That(refusals.Select(r => r.Status), Is.All.EqualTo(HttpStatusCode.ServiceUnavailable), "503, never 500");
            Assert.That(refusals.Select(r => r.ContentType), Is.All.EqualTo("application/problem+json"));
            Assert.That(refusals.Select(r => r.Body), Is.All.Contains("\"status\":503"));
            Assert.That(ready.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(readiness, Does.Contain("spool disk full"));
            Assert.That(delivered, Is.EqualTo(accepted.Length), "every event answered 200 delivered");
            Assert.That(refusedStored, Is.Zero, "nothing refused was kept half-way");
            Assert.That(ingressOutput, Has.None.Contains("nhandled exception").And.None.Contains("SqliteException"), "no unhandled exception, no stack trace of ours");
            Assert.That(ingressOutput.Count(l => l.Contains("Spool disk full (", StringComparison.Ordinal)), Is.EqualTo(1), "one line when the disk fills");
            Assert.That(system.Ingress.Output, Has.None.Contains("SQLite Error 13"), "the broker back, the spool forgets what it forwarded");
        });
    }

    [Test]
    public async Task A_backup_into_a_full_folder_fails_in_one_line_removes_its_partial_file_and_keeps_the_earlier_backup()
    {
        await using var disk = await SmallDisk.MountAsync(megabytes: 2);
        using var db = new TempDatabase();
        var first = await WorkerCli.RunAsync(db.FilePath, "backup", "--to", disk.Path);
        Assert.That(first.Exit, Is.Zero, (first.Output + first.Error));
        var earlier = Directory.GetFiles(disk.Path).Single();
        var earlierBytes = await File.ReadAllBytesAsync(earlier);

        await disk.FillAsync();
        var full = await WorkerCli.RunAsync(db.FilePath, "backup", "--to", disk.Path);

        TestContext.Out.WriteLine(full.Error);
        Assert.Multiple(async () =>
        {
            Assert.That(full.Exit, Is.EqualTo(1), (full.Output + full.Error));
            Assert.That(full.Error.Trim().Split('\n'), Has.Length.EqualTo(1), "one line");
            Assert.That(full.Error, Does.Contain("disk is full").And.Contain("partial file was removed"));
            Assert.That((full.Output + full.Error), Does.Not.Contain("   at "));
            Assert.That(Directory.GetFiles(disk.Path).Select(Path.GetFileName), Is.EquivalentTo(new[] { Path.GetFileName(earlier), "filler.bin" }),
                "no partial file left");
            Assert.That(await File.ReadAllBytesAsync(earlier), Is.EqualTo(earlierBytes), "the earlier backup untouched");
        });
    }

    private static long Count(string database, string sql)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        db.Open();
        return db.ExecuteScalar<long>(sql);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
