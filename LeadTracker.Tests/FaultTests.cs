using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using LeadTracker.Hosting;
using LeadTracker.Tests.Support;
using Microsoft.Data.Sqlite;

namespace LeadTracker.Tests;

/// <summary>
/// Break something on purpose while signed webhooks with unique ids flow through the real ingress and worker
/// processes, a real RabbitMQ and a real SQLite file, then count: every event the ingress answered 2xx must be in
/// <c>messages</c> exactly once. Each test prints one <c>[fault]</c> line with its figures (docs/guarantees.md).
/// Two tests stop the shared local broker (<c>rabbitmqctl stop_app</c>) and always start it again.
/// </summary>
[TestFixture]
[Category("Faults")]
[NonParallelizable]
public sealed class FaultTests
{
    private const string ErrorQueue = QueueNames.MessageEvents + QueueNames.ErrorSuffix;

    private static readonly TimeSpan Answered = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Drained = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan Stalled = TimeSpan.FromSeconds(45);

    [OneTimeSetUp]
    public async Task The_broker_is_running() => await StartBrokerAsync();

    [Test]
    public async Task Worker_killed_mid_stream_and_restarted_loses_and_doubles_nothing()
    {
        await using var system = await LeadTrackerSystem.StartAsync("fault-kill");
        var delivery = UniqueEvents.Send(system.Http, new UniqueEvents().Take(2500));

        // Kill while events are both being written and still arriving.
        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM messages") >= 400, Drained, "the first 400 rows");
        await system.Worker.KillAsync();
        var storedAtKill = system.Count("SELECT COUNT(*) FROM messages");
        var answeredAtKill = delivery.Completed;

        // Keep the worker down while more arrive: they wait in the queue.
        await delivery.WaitForAnswersAsync(answeredAtKill + 500, Answered);
        await system.RestartWorkerAsync();
        await delivery.FinishAsync(Answered);

        var tally = await DrainAsync("worker-sigkill", system, delivery);
        TestContext.Out.WriteLine($"        killed with {storedAtKill} rows stored and {answeredAtKill} webhooks answered; " +
                                  $"{Redelivered(system.Worker)} committed-but-unacknowledged events redelivered and absorbed");
        Assert.Multiple(async () =>
        {
            Assert.That(storedAtKill, Is.LessThan(delivery.Events.Count), "the kill came mid-stream");
            Assert.That(delivery.Accepted, Has.Count.EqualTo(delivery.Events.Count), delivery.AnswerSummary);
            AssertNothingLostOrDoubled(tally);
            Assert.That(await system.Broker.PeekAsync(ErrorQueue), Is.Empty, "nothing in " + ErrorQueue);
        });
    }

    [Test]
    public async Task Broker_stopped_during_ingest_loses_nothing_accepted_and_the_worker_reconnects_by_itself()
    {
        await using var system = await LeadTrackerSystem.StartAsync("fault-broker");
        var worker = system.Worker;
        var generator = new UniqueEvents();
        // Paced like real traffic, so that the outage falls in the middle of the stream (stop_app alone takes seconds).
        var during = UniqueEvents.Send(system.Http, generator.Take(2000), perSecond: 150);
        await during.WaitForAnswersAsync(300, Answered);

        var answeredAtStop = during.Completed;
        var answeredWhileDown = 0;
        var down = Stopwatch.StartNew();
        try
        {
            await RabbitAsync("stop_app");
            var answeredWhenStopped = during.Completed;
            await Task.Delay(TimeSpan.FromSeconds(5));
            answeredWhileDown = during.Completed - answeredWhenStopped;
        }
        finally
        {
            await StartBrokerAsync();
            down.Stop();
        }

        await during.FinishAsync(Answered);

        // What arrives after the outage must reach SQLite through the same worker process, which reconnected by itself.
        var after = UniqueEvents.Send(system.Http, generator.Take(300));
        await after.FinishAsync(Answered);
        var tally = await DrainAsync("broker-stop", system, during, after);
        TestContext.Out.WriteLine($"        broker down {down.Elapsed.TotalSeconds:F1} s; {answeredWhileDown} webhooks answered while down; " +
                                  $"answers: {during.AnswerSummary} ({during.OutcomeSummary}); after: {after.AnswerSummary} ({after.OutcomeSummary})");

        Assert.Multiple(async () =>
        {
            Assert.That(answeredAtStop, Is.LessThan(during.Events.Count), "the broker stopped mid-stream");
            Assert.That(answeredWhileDown, Is.Positive, "webhooks arrived while the broker was down");
            Assert.That(during.Accepted, Has.Count.EqualTo(during.Events.Count), "the spool answers 200 throughout: " + during.AnswerSummary);
            Assert.That(during.Outcomes.GetValueOrDefault("spooled"), Is.Positive, "the outage was bridged by the spool: " + during.OutcomeSummary);
            Assert.That(after.Accepted, Has.Count.EqualTo(after.Events.Count), after.AnswerSummary);
            AssertNothingLostOrDoubled(tally);
            Assert.That(system.Worker, Is.SameAs(worker), "the worker was not restarted");
            Assert.That(worker.ExitCode, Is.Null, "the worker process is still running:\n" + worker.Tail());
            Assert.That(await system.Broker.PeekAsync(ErrorQueue), Is.Empty, "nothing in " + ErrorQueue);
        });
    }

    [Test]
    public async Task Database_held_by_another_writer_for_5_seconds_is_waited_out_with_nothing_in_the_error_queue()
    {
        await using var system = await LeadTrackerSystem.StartAsync("fault-lock");
        // Paced, so the worker has idle moments in which the other connection can take the lock at all: flat out,
        // the worker commits back to back and a second writer polling for the lock may only get it once all is stored.
        var delivery = UniqueEvents.Send(system.Http, new UniqueEvents().Take(2000), perSecond: 250);
        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM messages") >= 200, Drained, "the first 200 rows");

        long storedAtLock, storedWhileLocked;
        int answeredAtLock, answeredWhileLocked;
        await using (var holder = new SqliteConnection($"Data Source={system.DatabasePath};Pooling=False;Default Timeout=30"))
        {
            await holder.OpenAsync();
            await holder.ExecuteAsync("BEGIN IMMEDIATE");
            answeredAtLock = delivery.Completed;
            storedAtLock = holder.ExecuteScalar<long>("SELECT COUNT(*) FROM messages");
            await Task.Delay(TimeSpan.FromSeconds(5));
            storedWhileLocked = holder.ExecuteScalar<long>("SELECT COUNT(*) FROM messages") - storedAtLock;
            answeredWhileLocked = delivery.Completed - answeredAtLock;
            await holder.ExecuteAsync("ROLLBACK");
        }

        await delivery.FinishAsync(Answered);
        var tally = await DrainAsync("sqlite-lock", system, delivery);
        var busy = system.Worker.Output.Count(l => l.Contains("SQLite is busy", StringComparison.Ordinal));
        TestContext.Out.WriteLine($"        write lock held 5 s from {storedAtLock} rows stored; {answeredWhileLocked} webhooks answered meanwhile; " +
                                  $"{busy} busy retries logged");

        Assert.Multiple(async () =>
        {
            Assert.That(storedAtLock, Is.LessThan(delivery.Events.Count), "the lock was taken mid-stream");
            Assert.That(answeredWhileLocked, Is.Positive, "events kept arriving while the database was locked");
            Assert.That(storedWhileLocked, Is.Zero, "nothing was written while the other connection held the lock");
            Assert.That(busy, Is.Positive, "the worker met the lock and retried (SqliteRetry)");
            Assert.That(delivery.Accepted, Has.Count.EqualTo(delivery.Events.Count), delivery.AnswerSummary);
            AssertNothingLostOrDoubled(tally);
            Assert.That(await system.Broker.PeekAsync(ErrorQueue, 100), Is.Empty, "nothing in " + ErrorQueue);
        });
    }

    [Test]
    public async Task Worker_stopped_with_SIGTERM_under_load_exits_0_within_its_grace_period_and_loses_nothing()
    {
        var grace = TimeSpan.FromSeconds(15);
        await using var system = await LeadTrackerSystem.StartAsync("fault-term",
            new Dictionary<string, string> { ["LeadTracker__Worker__ShutdownTimeout"] = grace.ToString("c") });
        var delivery = UniqueEvents.Send(system.Http, new UniqueEvents().Take(2500));
        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM messages") >= 400, Drained, "the first 400 rows");

        var answeredAtTerm = delivery.Completed;
        var stopping = Stopwatch.StartNew();
        var exitCode = await system.Worker.TerminateAsync(grace);
        stopping.Stop();
        var storedAtExit = system.Count("SELECT COUNT(*) FROM messages");
        var workerOutput = system.Worker.Tail(60);

        await system.RestartWorkerAsync();
        await delivery.FinishAsync(Answered);
        var tally = await DrainAsync("worker-sigterm", system, delivery);
        var redelivered = Redelivered(system.Worker);
        TestContext.Out.WriteLine($"        SIGTERM at {answeredAtTerm} webhooks answered; exited {exitCode?.ToString() ?? "no"} after " +
                                  $"{stopping.Elapsed.TotalSeconds:F1} s (grace {grace.TotalSeconds:F0} s) with {storedAtExit} rows stored; " +
                                  $"{redelivered} already-stored events redelivered to the new worker");

        Assert.Multiple(async () =>
        {
            Assert.That(exitCode, Is.EqualTo(0), $"exit code within the {grace} grace period:\n{workerOutput}");
            Assert.That(storedAtExit, Is.LessThan(delivery.Events.Count), "SIGTERM came mid-stream");
            Assert.That(redelivered, Is.Zero, "everything the stopped worker committed it also acknowledged");
            Assert.That(delivery.Accepted, Has.Count.EqualTo(delivery.Events.Count), delivery.AnswerSummary);
            AssertNothingLostOrDoubled(tally);
            Assert.That(await system.Broker.PeekAsync(ErrorQueue), Is.Empty, "nothing in " + ErrorQueue);
        });
    }

    [Test]
    public async Task Poison_events_go_to_the_error_queue_with_their_reason_and_the_stream_around_them_is_stored()
    {
        await using var system = await LeadTrackerSystem.StartAsync("fault-poison");
        var generator = new UniqueEvents();
        var before = UniqueEvents.Send(system.Http, generator.Take(500));

        // Valid signatures, bodies the worker can never apply.
        var noId = Poison(generator.Next(), m => m.Remove("id"));
        var badTime = Poison(generator.Next(), m => m["timestamp"] = "not-a-time");
        foreach (var (body, key) in new[] { (noId, "poison-no-id"), (badTime, "poison-bad-time") })
        {
            using var request = UniqueEvents.Request(body, UniqueEvent.EventType, key);
            using var response = await system.Http.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.EqualTo(200), "the ingress does not parse payloads: " + key);
        }

        var after = UniqueEvents.Send(system.Http, generator.Take(500));
        await before.FinishAsync(Answered);
        await after.FinishAsync(Answered);
        var tally = await DrainAsync("poison", system, before, after);

        IReadOnlyList<JsonElement> errors = [];
        await EventuallyAsync(async () => (errors = await system.Broker.PeekAsync(ErrorQueue)).Count >= 2);
        var reasons = errors.Select(FaultMessage).Order(StringComparer.Ordinal).ToArray();
        var rejected = system.Worker.Output.Where(l => l.Contains("Rejected whatsapp.message.received", StringComparison.Ordinal)).ToArray();
        TestContext.Out.WriteLine($"        {errors.Count} poison events in {ErrorQueue}: {string.Join(" | ", reasons)}");

        Assert.Multiple(() =>
        {
            Assert.That(before.Accepted.Count + after.Accepted.Count, Is.EqualTo(1000), $"{before.AnswerSummary}; {after.AnswerSummary}");
            AssertNothingLostOrDoubled(tally);
            Assert.That(errors, Has.Count.EqualTo(2), "exactly the two poison events");
            Assert.That(reasons, Has.Some.Contains("message.id is missing"));
            Assert.That(reasons, Has.Some.Contains("message.timestamp 'not-a-time' is not a Unix time"));
            Assert.That(rejected, Has.Some.Contains("poison-no-id").And.Contains("message.id is missing"));
            Assert.That(rejected, Has.Some.Contains("poison-bad-time").And.Contains("not-a-time"));
        });
    }

    [Test]
    public async Task Broker_down_for_1000_webhooks_they_are_all_answered_200_spooled_and_stored_once_it_is_back()
    {
        await using var system = await LeadTrackerSystem.StartAsync("fault-spool");
        var generator = new UniqueEvents();
        WebhookDelivery outage;
        JsonElement degraded;
        var sending = new Stopwatch();
        try
        {
            await RabbitAsync("stop_app");
            sending.Start();
            outage = UniqueEvents.Send(system.Http, generator.Take(1000));
            await outage.FinishAsync(Answered);
            sending.Stop();
            degraded = await ReadinessAsync(system);
        }
        finally
        {
            await StartBrokerAsync();
        }

        var draining = Stopwatch.StartNew();

        // Drained: the spool empties into RabbitMQ, the worker stores everything.
        var tally = await DrainAsync("spool", system, outage);
        var ready = await ReadinessAsync(system);
        await EventuallyAsync(async () =>
        {
            ready = await ReadinessAsync(system);
            return SpoolDepth(ready) == 0 && ready.GetProperty("status").GetString() == "Healthy";
        });
        draining.Stop();
        TestContext.Out.WriteLine($"        while down: {outage.Events.Count} webhooks in {sending.Elapsed.TotalSeconds:F1} s, answers {outage.AnswerSummary} ({outage.OutcomeSummary}), " +
                                  $"/health/ready {degraded.GetProperty("status")} spoolDepth={SpoolDepth(degraded)}; " +
                                  $"broker back: stored and {ready.GetProperty("status")} spoolDepth={SpoolDepth(ready)} after {draining.Elapsed.TotalSeconds:F1} s");

        Assert.Multiple(() =>
        {
            Assert.That(outage.Answers.Keys, Is.EquivalentTo(new[] { "200" }), "every webhook answered 200: " + outage.AnswerSummary);
            Assert.That(outage.Outcomes.Keys, Is.EquivalentTo(new[] { "spooled" }), "every event spooled: " + outage.OutcomeSummary);
            Assert.That(degraded.GetProperty("status").GetString(), Is.EqualTo("Degraded"));
            Assert.That(SpoolDepth(degraded), Is.EqualTo(1000), "every event waited in the spool");
            AssertNothingLostOrDoubled(tally);
            Assert.That(SpoolDepth(ready), Is.Zero, "the spool drained");
            Assert.That(ready.GetProperty("status").GetString(), Is.EqualTo("Healthy"), "/health/ready once drained");
        });
    }

    [Test]
    public async Task Ingress_killed_with_events_in_its_spool_forwards_all_of_them_after_a_restart()
    {
        await using var system = await LeadTrackerSystem.StartAsync("fault-spool-kill");
        WebhookDelivery outage;
        long depthAtKill;
        try
        {
            await RabbitAsync("stop_app");
            outage = UniqueEvents.Send(system.Http, new UniqueEvents().Take(500));
            await outage.FinishAsync(Answered);
            depthAtKill = SpoolDepth(await ReadinessAsync(system));
            await system.Ingress.KillAsync();
        }
        finally
        {
            await StartBrokerAsync();
        }

        // The same ingress on the same port and spool file, as systemd would restart it.
        await using var restarted = system.Ingress.Clone();
        restarted.Start();
        await restarted.WaitReadyAsync();
        var tally = await DrainAsync("ingress-sigkill-spool", system, outage);
        TestContext.Out.WriteLine($"        ingress killed with {depthAtKill} events spooled; answers {outage.AnswerSummary} ({outage.OutcomeSummary})");

        Assert.Multiple(() =>
        {
            Assert.That(outage.Outcomes.Keys, Is.EquivalentTo(new[] { "spooled" }), outage.OutcomeSummary);
            Assert.That(depthAtKill, Is.EqualTo(500), "every event waited in the spool when the ingress died");
            AssertNothingLostOrDoubled(tally);
        });
    }

    /// <summary>Waits until every accepted event is stored (or the time is up), then counts and prints.</summary>
    internal static async Task<FaultTally> DrainAsync(string fault, LeadTrackerSystem system, params WebhookDelivery[] deliveries)
    {
        var all = deliveries.Length == 1 ? deliveries[0] : WebhookDelivery.Combine(deliveries);
        var deadline = DateTime.UtcNow + Drained;
        var tally = FaultTally.Take(fault, system, all);
        var lastProgress = DateTime.UtcNow;
        while ((tally.Lost > 0 || tally.Stored < tally.Accepted) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            var next = FaultTally.Take(fault, system, all);
            if (next.Rows != tally.Rows) lastProgress = DateTime.UtcNow;
            tally = next;

            // Nothing stored for this long while events are missing: they are not coming (a dead process says why).
            if (DateTime.UtcNow - lastProgress > Stalled) break;
        }

        // A re-delivered duplicate would arrive after the original: give it a moment to show itself.
        await Task.Delay(500);
        tally = FaultTally.Take(fault, system, all).Print();
        if (tally.Lost > 0 || tally.Doubled > 0 || system.Ingress.ExitCode is not null || system.Worker.ExitCode is not null)
        {
            TestContext.Out.WriteLine($"--- worker (exit {system.Worker.ExitCode?.ToString() ?? "-"}) ---\n{system.Worker.Tail(80)}");
            TestContext.Out.WriteLine($"--- ingress (exit {system.Ingress.ExitCode?.ToString() ?? "-"}) ---\n{system.Ingress.Tail(80)}");
        }

        return tally;
    }

    /// <summary>Events the worker found already applied: RabbitMQ redelivered them, idempotency absorbed them.</summary>
    internal static int Redelivered(ServiceProcess worker) =>
        worker.Output.Count(l => l.Contains("[Kapso Sync]", StringComparison.Ordinal) && l.Contains(" Unchanged ", StringComparison.Ordinal));

    /// <summary>Polls until <paramref name="condition"/> holds or the drain time is up; the asserts say what did not happen.</summary>
    private static async Task EventuallyAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Drained;
        while (!await condition() && DateTime.UtcNow < deadline) await Task.Delay(250);
    }

    internal static void AssertNothingLostOrDoubled(FaultTally tally)
    {
        Assert.That(tally.Lost, Is.Zero, $"{tally.Line}: accepted but not stored");
        Assert.That(tally.Doubled, Is.Zero, $"{tally.Line}: rows={tally.Rows} distinct={tally.DistinctWamids} contacts={tally.Contacts} phones={tally.DistinctPhones}");
        Assert.That(tally.Applications.Lines, Is.Positive, "the worker's [Kapso Sync] lines were read (SyncLineTally)");
        Assert.That(tally.Applications.Reapplied, Is.Empty, "an event applied more than once");
        Assert.That(tally.Rows, Is.EqualTo(tally.Stored), "one row per stored wamid, none from elsewhere");
        Assert.That(tally.Contacts, Is.EqualTo(tally.DistinctPhones), "one contact per lead");
        Assert.That(tally.MisdatedContacts, Is.Zero, "every lead's last_inbound_at is its newest stored message's time");
    }

    private static byte[] Poison(UniqueEvent good, Action<JsonObject> spoil)
    {
        var body = JsonNode.Parse(good.Body)!.AsObject();
        spoil(body["message"]!.AsObject());
        return Encoding.UTF8.GetBytes(body.ToJsonString());
    }

    private static string FaultMessage(JsonElement message) =>
        message.GetProperty("properties").GetProperty("headers").TryGetProperty("MT-Fault-Message", out var reason)
            ? reason.GetString() ?? ""
            : "(no MT-Fault-Message header)";

    private static async Task<JsonElement> ReadinessAsync(LeadTrackerSystem system)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            using var response = await http.GetAsync(system.Ingress.Health);
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).Clone();
        }
        catch (HttpRequestException e)
        {
            // Counted and reported like any other answer; the tally still shows what the outage cost.
            return JsonSerializer.SerializeToElement(new
            {
                status = $"unreachable ({e.Message}; ingress exit {system.Ingress.ExitCode?.ToString() ?? "-"})",
                checks = new { ingress = new { data = new { spoolDepth = -1 } } },
            });
        }
    }

    private static long SpoolDepth(JsonElement readiness) =>
        readiness.GetProperty("checks").GetProperty("ingress").GetProperty("data").GetProperty("spoolDepth").GetInt64();

    /// <summary>start_app is a no-op on a running node; then wait for the node and for the management API the
    /// next test's <see cref="TestBroker"/> needs.</summary>
    internal static async Task StartBrokerAsync()
    {
        // start_app right after stop_app can fail once in RabbitMQ 3.10's prelaunch (mnesia still shutting down):
        // retry a few times rather than leave the shared broker stopped for every later test.
        for (var attempt = 1; !await RabbitAsync("start_app", mustSucceed: attempt == 5); attempt++)
            await Task.Delay(TimeSpan.FromSeconds(2));
        await RabbitAsync("await_startup");

        using var management = RabbitManagement.Local(TimeSpan.FromSeconds(5));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (await management.AnswersAsync()) return;
            if (DateTime.UtcNow > deadline) Assert.Fail("the RabbitMQ management API did not come back after start_app");
            await Task.Delay(250);
        }
    }

    /// <summary>The local node's rabbitmqctl (root or the rabbitmq user: scripts/test.sh runs the tests so).</summary>
    internal static async Task<bool> RabbitAsync(string command, bool mustSucceed = true)
    {
        ProgramRun run = null!;
        try
        {
            run = await ProgramRun.RunAsync("rabbitmqctl", [command], TimeSpan.FromMinutes(2));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Fail($"the fault tests stop and start the local RabbitMQ with rabbitmqctl, which could not run ({e.Message})");
        }

        if (mustSucceed) Assert.That(run.ExitCode, Is.Zero, $"rabbitmqctl {command}: {run.Output}");
        return run.ExitCode == 0;
    }
}
