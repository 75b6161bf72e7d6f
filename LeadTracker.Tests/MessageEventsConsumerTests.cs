using LeadTracker.Contracts;
using LeadTracker.Hosting;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Consumers;
using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Storage;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Tests;

/// <summary>
/// One consumer on MassTransit's in-memory harness (a unit test: the real-broker proof is PipelineTests), over a
/// real SQLite file: the message is consumed only once its row is committed; a poison payload faults.
/// </summary>
[TestFixture]
public sealed class MessageEventsConsumerTests
{
    [Test]
    public async Task A_received_message_is_committed_before_the_consume_completes_and_faults_nothing()
    {
        using var db = new TempDatabase();
        await using var provider = Services(db);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        var fixture = KapsoFixtures.Get("kapso-message-received-text.json");
        await harness.Bus.Publish(new KapsoMessageEvent
        {
            EventType = KapsoEventTypes.Named(fixture.EventType), Payload = TestEvents.Json(fixture.Json), ReceivedAt = DateTimeOffset.UtcNow, IdempotencyKey = "k",
        });

        var consumer = harness.GetConsumerHarness<MessageEventsConsumer>();
        Assert.That(await consumer.Consumed.Any<KapsoMessageEvent>(), Is.True);
        using var connection = db.Connections.Open();
        Assert.Multiple(async () =>
        {
            Assert.That(Dapper.SqlMapper.ExecuteScalar<long>(connection, "SELECT COUNT(*) FROM messages"), Is.EqualTo(1));
            Assert.That(await harness.Published.Any<Fault<KapsoMessageEvent>>(), Is.False);
        });
    }

    [Test]
    public async Task A_payload_that_cannot_apply_faults_with_its_reason()
    {
        using var db = new TempDatabase();
        await using var provider = Services(db);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        await harness.Bus.Publish(new KapsoMessageEvent
        {
            EventType = KapsoEventTypes.Received, Payload = TestEvents.Json("""{"phone_number_id":"1"}"""), ReceivedAt = DateTimeOffset.UtcNow,
        });

        Assert.That(await harness.Published.Any<Fault<KapsoMessageEvent>>(), Is.True);
        var fault = harness.Published.Select<Fault<KapsoMessageEvent>>().First().Context.Message;
        Assert.That(fault.Exceptions[0].ExceptionType, Does.EndWith(nameof(InvalidKapsoPayloadException)));
        Assert.That(fault.Exceptions[0].Message, Does.Contain("no message object"));
    }

    [Test]
    public async Task A_bad_event_in_a_coalesced_message_goes_to_the_error_queue_alone_with_its_reason_and_its_neighbours_commit()
    {
        using var db = new TempDatabase();
        await using var provider = Services(db);
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();

        var text = KapsoFixtures.Get("kapso-message-received-text.json");
        var sent = KapsoFixtures.Get("kapso-message-sent.json");
        var now = DateTimeOffset.UtcNow;
        await harness.Bus.Publish(new KapsoMessageEvents
        {
            Events =
            [
                new KapsoMessageEvent { EventType = KapsoEventTypes.Named(text.EventType), Payload = TestEvents.Json(text.Json), ReceivedAt = now, IdempotencyKey = "good-1" },
                new KapsoMessageEvent { EventType = KapsoEventTypes.Received, Payload = TestEvents.Json("""{"phone_number_id":"1"}"""), ReceivedAt = now, IdempotencyKey = "bad" },
                new KapsoMessageEvent { EventType = KapsoEventTypes.Named(sent.EventType), Payload = TestEvents.Json(sent.Json), ReceivedAt = now, IdempotencyKey = "good-2" },
            ],
        });

        Assert.That(await harness.GetConsumerHarness<MessageEventsConsumer>().Consumed.Any<KapsoMessageEvents>(), Is.True);
        Assert.That(await harness.Sent.Any<KapsoMessageEvent>(), Is.True, "the bad event was sent on its own");
        var rejected = harness.Sent.Select<KapsoMessageEvent>().ToList();
        using var connection = db.Connections.Open();
        Assert.Multiple(async () =>
        {
            Assert.That(Dapper.SqlMapper.ExecuteScalar<long>(connection, "SELECT COUNT(*) FROM messages"), Is.EqualTo(2), "its neighbours committed");
            Assert.That(await harness.Published.Any<Fault<KapsoMessageEvents>>(), Is.False, "the message itself did not fault");
            Assert.That(rejected, Has.Count.EqualTo(1));
            var error = rejected[0].Context;
            Assert.That(error.DestinationAddress!.AbsolutePath, Does.EndWith(QueueNames.MessageEvents + QueueNames.ErrorSuffix));
            Assert.That(error.Message.IdempotencyKey, Is.EqualTo("bad"));
            Assert.That(error.Headers.Get<string>("MT-Fault-Message"), Does.Contain("no message object"));
            Assert.That(error.Headers.Get<string>("MT-Fault-ExceptionType"), Does.EndWith(nameof(InvalidKapsoPayloadException)));
            Assert.That(error.Headers.Get<string>("MT-Reason"), Is.EqualTo("fault"));
            Assert.That(error.Headers.Get<string>("MT-Fault-Timestamp"), Is.Not.Null);
            Assert.That(error.Headers.Get<string>(EventHeaders.EventType), Is.EqualTo("whatsapp.message.received"));
            Assert.That(error.Headers.Get<string>(EventHeaders.IdempotencyKey), Is.EqualTo("bad"));
        });
    }

    private static ServiceProvider Services(TempDatabase db) =>
        new ServiceCollection()
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .AddSingleton(db.Store())
            .AddSingleton(sp => new LeadWriter(sp.GetRequiredService<LeadStore>(), NullLogger<LeadWriter>.Instance))
            .AddSingleton<LeadEventApplier>()
            .AddMassTransitTestHarness(bus => bus.AddConsumer<MessageEventsConsumer>())
            .BuildServiceProvider(true);
}
