using LeadTracker.Contracts;
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
            EventType = fixture.EventType, PayloadJson = fixture.Json, ReceivedAt = DateTimeOffset.UtcNow, IdempotencyKey = "k",
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
            EventType = "whatsapp.message.received", PayloadJson = """{"phone_number_id":"1"}""", ReceivedAt = DateTimeOffset.UtcNow,
        });

        Assert.That(await harness.Published.Any<Fault<KapsoMessageEvent>>(), Is.True);
        var fault = harness.Published.Select<Fault<KapsoMessageEvent>>().First().Context.Message;
        Assert.That(fault.Exceptions[0].ExceptionType, Does.EndWith(nameof(InvalidKapsoPayloadException)));
        Assert.That(fault.Exceptions[0].Message, Does.Contain("no message object"));
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
