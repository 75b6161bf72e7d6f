using System.Text.Json;
using LeadTracker.Hosting;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// The queue types on the local broker, each test in its own virtual host (a quorum queue runs on one node too):
/// what the apps declare for each setting, the delivery limit, and the documented move of an existing install
/// from classic to quorum queues (docs/operations.md, "Moving to quorum queues"), command by command.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class QuorumQueueTests
{
    private const string Messages = QueueNames.MessageEvents;
    private const string MessageErrors = Messages + QueueNames.ErrorSuffix;

    private static readonly string[] AllQueues =
    [
        Messages, MessageErrors, Messages + QueueNames.SkippedSuffix,
        QueueNames.ContactEvents, QueueNames.ContactEvents + QueueNames.ErrorSuffix, QueueNames.ContactEvents + QueueNames.SkippedSuffix,
    ];

    private static readonly string[] SideQueues = AllQueues.Where(q => q.Contains('_', StringComparison.Ordinal)).ToArray();

    private static readonly TimeSpan Drained = TimeSpan.FromSeconds(90);

    private static readonly Dictionary<string, string> Classic = new() { ["LeadTracker__RabbitMq__QueueType"] = "classic" };
    private static readonly Dictionary<string, string> Quorum = new() { ["LeadTracker__RabbitMq__QueueType"] = "quorum" };

    [Test]
    public async Task By_default_every_queue_is_a_quorum_queue_and_an_event_that_can_never_apply_goes_to_error_with_its_reason()
    {
        await using var system = await LeadTrackerSystem.StartAsync("quorum-default");
        var good = new UniqueEvents().Next();
        using (var response = await system.Http.SendAsync(good.ToRequest())) Assert.That((int)response.StatusCode, Is.EqualTo(200));
        using (var response = await system.Http.SendAsync(UniqueEvents.Request("{}"u8.ToArray(), UniqueEvent.EventType, "poison-empty")))
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(200));
        }

        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM messages") == 1, Drained, "the good event stored");
        var errors = await EventuallyAsync(() => system.Broker.PeekAsync(MessageErrors), e => e.Count >= 1);
        var queues = await QueuesAsync(system.Broker);

        Assert.Multiple(() =>
        {
            foreach (var name in AllQueues) Assert.That(queues[name].Type, Is.EqualTo("quorum"), name);
            Assert.That(queues[Messages].Arguments, Does.ContainKey("x-delivery-limit").WithValue(StreamQueueTopology.DeliveryLimit));
            Assert.That(queues[Messages].Arguments, Does.ContainKey("x-dead-letter-exchange").WithValue(MessageErrors));
            Assert.That(queues[MessageErrors].Arguments, Does.Not.ContainKey("x-delivery-limit"), "no limit on the error queue itself");
            Assert.That(queues[MessageErrors].Arguments, Does.Not.ContainKey("x-dead-letter-exchange"));
            Assert.That(errors, Has.Count.EqualTo(1), "the poison event, at its first delivery");
            Assert.That(Header(errors[0], "MT-Fault-Message"), Is.Not.Null.And.Not.Empty, "its reason");
        });
    }

    [Test]
    public async Task With_QueueType_classic_every_queue_is_declared_as_before_classic_without_arguments()
    {
        await using var system = await LeadTrackerSystem.StartAsync("quorum-classic", Classic);
        using (var response = await system.Http.SendAsync(new UniqueEvents().Next().ToRequest())) Assert.That((int)response.StatusCode, Is.EqualTo(200));
        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM messages") == 1, Drained, "the event stored");
        var queues = await QueuesAsync(system.Broker);

        Assert.Multiple(() =>
        {
            foreach (var name in AllQueues)
            {
                Assert.That(queues[name].Type, Is.EqualTo("classic"), name);
                Assert.That(queues[name].Arguments, Is.Empty, name);
            }
        });
    }

    [Test]
    public async Task An_event_returned_to_its_quorum_queue_more_often_than_the_delivery_limit_is_dead_lettered_into_error()
    {
        // No worker: the event waits in the queue. Each management "get" with requeue is a delivery that comes back,
        // as when a worker dies holding the event: the crash loop the delivery limit ends.
        await using var system = await LeadTrackerSystem.StartAsync("quorum-limit", startWorker: false);
        using (var response = await system.Http.SendAsync(new UniqueEvents().Next().ToRequest())) Assert.That((int)response.StatusCode, Is.EqualTo(200));

        var returned = 0;
        while (returned <= StreamQueueTopology.DeliveryLimit + 1 && (await system.Broker.PeekAsync(Messages)).Count == 1) returned++;
        var errors = await EventuallyAsync(() => system.Broker.PeekAsync(MessageErrors), e => e.Count >= 1);
        JsonElement? dead = errors.Count > 0 ? errors[0] : null;
        TestContext.Out.WriteLine($"returned {returned} times; in {MessageErrors}: x-death {Header(dead, "x-death")}");

        Assert.Multiple(async () =>
        {
            Assert.That(returned, Is.EqualTo(StreamQueueTopology.DeliveryLimit + 1), "delivered once and returned up to the limit, then gone");
            Assert.That(await system.Broker.PeekAsync(Messages), Is.Empty);
            Assert.That(errors, Has.Count.EqualTo(1), "kept in " + MessageErrors);
            Assert.That(Header(dead, "x-death"), Does.Contain("delivery_limit"), "RabbitMQ says why it moved the event");
        });
    }

    [Test]
    public async Task An_existing_classic_install_moves_to_quorum_queues_with_the_documented_commands_losing_nothing()
    {
        // An install from before quorum queues: classic queues, leads stored, a poison event in _error.
        await using var system = await LeadTrackerSystem.StartAsync("quorum-move", Classic);
        var vhost = system.Broker.VirtualHost;
        var generator = new UniqueEvents();
        var before = UniqueEvents.Send(system.Http, generator.Take(300));
        await before.FinishAsync(Drained);
        using (var response = await system.Http.SendAsync(UniqueEvents.Request("{}"u8.ToArray(), UniqueEvent.EventType, "poison-before-move")))
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(200));
        }

        await EventuallyAsync(() => system.Broker.PeekAsync(MessageErrors), e => e.Count == 1);

        // 1. The ingress on quorum: it cannot re-declare the classic queues, so it keeps webhooks in its spool.
        await system.RedeployIngressAsync(Quorum);
        var during = UniqueEvents.Send(system.Http, generator.Take(300));
        await during.FinishAsync(Drained);

        // 2. The worker, still on classic, empties the stream queues; then it stops.
        foreach (var stream in new[] { Messages, QueueNames.ContactEvents })
        {
            await EventuallyAsync(() => system.Broker.MessageCountAsync(stream), n => n == 0);
        }

        await system.Worker.TerminateAsync(TimeSpan.FromSeconds(30));

        // 3. Park what the _error and _skipped queues hold, then delete all six queues.
        foreach (var side in SideQueues)
        {
            await CtlAsync("-p", vhost, "set_parameter", "shovel", $"park-{side}", Shovel(vhost, side, "dest-queue", side + ".parked"));
        }

        await EventuallyAsync(() => system.Broker.PeekAsync(MessageErrors + ".parked"), e => e.Count == 1);
        foreach (var queue in AllQueues) await CtlAsync("-p", vhost, "delete_queue", queue, "--if-empty");

        // 4. The ingress re-declares them as quorum queues by itself and forwards its spool; the worker starts on quorum.
        await system.RedeployWorkerAsync(Quorum);

        // 5. The parked messages go back through each queue's exchange (a shovel would declare a missing queue as
        //    classic), then the parked queues go.
        foreach (var side in SideQueues)
        {
            await CtlAsync("-p", vhost, "set_parameter", "shovel", $"unpark-{side}", Shovel(vhost, side + ".parked", "dest-exchange", side));
        }

        var errors = await EventuallyAsync(() => system.Broker.PeekAsync(MessageErrors), e => e.Count == 1);
        foreach (var side in SideQueues)
        {
            await EventuallyAsync(() => system.Broker.PeekAsync(side + ".parked"), e => e.Count == 0);
            await CtlAsync("-p", vhost, "delete_queue", side + ".parked", "--if-empty");
        }

        var after = UniqueEvents.Send(system.Http, generator.Take(300));
        await after.FinishAsync(Drained);
        var tally = await FaultTests.DrainAsync("move-to-quorum", system, before, during, after);
        var queues = await QueuesAsync(system.Broker);
        TestContext.Out.WriteLine($"        during the move: {during.AnswerSummary} ({during.OutcomeSummary}); after: {after.OutcomeSummary}");

        Assert.Multiple(() =>
        {
            Assert.That(during.Answers.Keys, Is.EquivalentTo(new[] { "200" }), "webhooks during the move: " + during.AnswerSummary);
            Assert.That(during.Outcomes.Keys, Is.EquivalentTo(new[] { "spooled" }), "kept by the spool until the queues were quorum");
            Assert.That(after.Outcomes.Keys, Is.EquivalentTo(new[] { "published" }), after.OutcomeSummary);
            FaultTests.AssertNothingLostOrDoubled(tally);
            foreach (var name in AllQueues) Assert.That(queues[name].Type, Is.EqualTo("quorum"), name);
            Assert.That(queues.Keys, Has.None.EndsWith(".parked"));
            Assert.That(Header(errors[0], "MT-Fault-Message"), Is.Not.Empty, "the poison event kept its reason");
        });
    }

    private sealed record QueueInfo(string Type, Dictionary<string, object> Arguments);

    private static async Task<Dictionary<string, QueueInfo>> QueuesAsync(TestBroker broker)
    {
        var queues = new Dictionary<string, QueueInfo>();
        foreach (var name in await broker.QueueNamesAsync())
        {
            var json = await broker.QueueAsync(name);
            var arguments = json.GetProperty("arguments").EnumerateObject().ToDictionary(
                a => a.Name, a => a.Value.ValueKind == JsonValueKind.Number ? (object)a.Value.GetInt32() : a.Value.ToString());
            queues[name] = new QueueInfo(json.GetProperty("type").GetString() ?? "", arguments);
        }

        return queues;
    }

    private static string Shovel(string vhost, string source, string destinationKind, string destination)
    {
        var uri = "amqp:///" + Uri.EscapeDataString(vhost);
        return JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["src-uri"] = uri, ["src-queue"] = source, ["src-delete-after"] = "queue-length",
            ["dest-uri"] = uri, [destinationKind] = destination,
        });
    }

    private static string? Header(JsonElement? message, string name) =>
        message is { } m && m.GetProperty("properties").TryGetProperty("headers", out var headers) && headers.TryGetProperty(name, out var value)
            ? value.ToString()
            : null;

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow + Drained;
        var value = await read();
        while (!done(value) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250);
            value = await read();
        }

        return value;
    }

    /// <summary>rabbitmqctl as docs/operations.md shows it (root or the rabbitmq user, as the fault tests need too).</summary>
    private static async Task CtlAsync(params string[] args)
    {
        var run = await ProgramRun.RunAsync("rabbitmqctl", args, TimeSpan.FromMinutes(2));
        Assert.That(run.ExitCode, Is.Zero, $"rabbitmqctl {string.Join(' ', args)}: {run.Output}");
    }
}
