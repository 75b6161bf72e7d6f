using System.Globalization;
using System.Text;
using LeadTracker.Contracts;
using LeadTracker.Hosting;
using LeadTracker.Worker.Errors;
using MassTransit;
using RabbitMQ.Client;

namespace LeadTracker.Tests;

/// <summary>
/// Error queues on the real local broker, in a fresh virtual host per test: three faulted messages as MassTransit
/// leaves them, listed without being removed, then replayed clean. Fails (never skips) when no broker runs.
/// </summary>
[TestFixture]
public sealed class ErrorQueueClientTests
{
    private const string Queue = QueueNames.MessageEvents;
    private const string ErrorQueue = QueueNames.MessageEvents + QueueNames.ErrorSuffix;
    private const string EventType = "whatsapp.message.received";

    private static readonly string BrokerHost = Setting("Host", "localhost");
    private static readonly int BrokerPort = int.Parse(Setting("Port", "5672"), CultureInfo.InvariantCulture);
    private static readonly int ManagementPort = int.Parse(Setting("ManagementPort", "15672"), CultureInfo.InvariantCulture);
    private static readonly string Username = Setting("Username", "guest");
    private static readonly string Password = Setting("Password", "guest");

    private RabbitManagement _management = null!;
    private ErrorQueueConnection _connection = null!;
    private IConnection _amqp = null!;
    private IChannel _channel = null!;
    private List<string> _messageIds = null!;

    [SetUp]
    public async Task CreateVirtualHostWithThreeFaultedMessages()
    {
        var virtualHost = "lt-test-errors-" + Guid.NewGuid().ToString("N")[..8];
        _connection = new ErrorQueueConnection(BrokerHost, BrokerPort, virtualHost, Username, Password, ManagementPort);
        _management = new RabbitManagement(_connection.ManagementUri, Username, Password, TimeSpan.FromSeconds(10));
        await _management.CreateVhostAsync(virtualHost);

        var factory = new ConnectionFactory
        {
            HostName = BrokerHost,
            Port = BrokerPort,
            VirtualHost = virtualHost,
            UserName = Username,
            Password = Password,
        };
        _amqp = await factory.CreateConnectionAsync();
        _channel = await _amqp.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await _channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);
        await _channel.QueueDeclareAsync(ErrorQueue, durable: true, exclusive: false, autoDelete: false);

        _messageIds = [];
        for (var i = 0; i < 3; i++)
        {
            var messageId = Guid.NewGuid().ToString();
            _messageIds.Add(messageId);
            await _channel.BasicPublishAsync(
                exchange: string.Empty,
                routingKey: ErrorQueue,
                mandatory: true,
                basicProperties: FaultedProperties(messageId, i),
                body: Envelope(messageId));
        }
    }

    [TearDown]
    public async Task DeleteVirtualHost()
    {
        // SetUp may have failed half-way; the fields are then still null.
        if (_channel is not null)
        {
            await _channel.DisposeAsync();
        }

        if (_amqp is not null)
        {
            await _amqp.DisposeAsync();
        }

        var deleted = await _management.DeleteVhostAsync(_connection.VirtualHost);
        _management.Dispose();
        Assert.That(deleted, Is.True, $"deleting virtual host {_connection.VirtualHost}");
    }

    [Test]
    public async Task List_reports_count_reason_and_event_type_and_leaves_the_messages()
    {
        using var client = new ErrorQueueClient(_connection);

        var summaries = await client.ListAsync([Queue], peek: 10, CancellationToken.None);

        Assert.That(summaries, Has.Count.EqualTo(1));
        var summary = summaries[0];
        Assert.Multiple(() =>
        {
            Assert.That(summary.Queue, Is.EqualTo(Queue));
            Assert.That(summary.ErrorQueue, Is.EqualTo(ErrorQueue));
            Assert.That(summary.Exists, Is.True);
            Assert.That(summary.MessageCount, Is.EqualTo(3));
            Assert.That(summary.Messages.Select(m => m.MessageId), Is.EqualTo(_messageIds));
            Assert.That(summary.Messages.Select(m => m.EventType), Is.All.EqualTo(EventType));
            Assert.That(summary.Messages.Select(m => m.Reason), Is.All.EqualTo("fault"));
            Assert.That(summary.Messages.Select(m => m.ExceptionType), Is.All.EqualTo("System.InvalidOperationException"));
            Assert.That(
                summary.Messages.Select(m => m.ExceptionMessage),
                Is.EqualTo(new[] { "bad payload: 0", "bad payload: 1", "bad payload: 2" }));
            Assert.That(
                summary.Messages[0].FaultedAt,
                Is.EqualTo(new DateTimeOffset(2026, 1, 1, 0, 0, 5, TimeSpan.Zero)));
        });

        Assert.That(await CountAsync(ErrorQueue), Is.EqualTo(3), "peeking must leave the messages in the error queue");
    }

    [Test]
    public async Task List_with_a_small_peek_still_counts_everything_and_a_missing_error_queue_as_empty()
    {
        using var client = new ErrorQueueClient(_connection);

        var summaries = await client.ListAsync([Queue, QueueNames.ContactEvents], peek: 1, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(summaries[0].MessageCount, Is.EqualTo(3));
            Assert.That(summaries[0].Messages, Has.Count.EqualTo(1));
            Assert.That(summaries[1].ErrorQueue, Is.EqualTo(QueueNames.ContactEvents + QueueNames.ErrorSuffix));
            Assert.That(summaries[1].Exists, Is.False, "a missing error queue is empty, not an error");
            Assert.That(summaries[1].MessageCount, Is.Zero);
        });
    }

    [Test]
    public async Task List_reads_event_type_and_idempotency_key_from_headers_not_bodies()
    {
        var properties = FaultedProperties(Guid.NewGuid().ToString(), 3);
        properties.Headers!["LeadTracker-Event-Type"] = "whatsapp.contact.identity_changed";
        properties.Headers["LeadTracker-Idempotency-Key"] = "key-1#0";
        await _channel.BasicPublishAsync(string.Empty, ErrorQueue, mandatory: true, properties, "{\"cut"u8.ToArray());
        using var client = new ErrorQueueClient(_connection);

        var message = (await client.ListAsync([Queue], peek: 4, CancellationToken.None))[0].Messages[3];

        Assert.Multiple(() =>
        {
            Assert.That(message.EventType, Is.EqualTo("whatsapp.contact.identity_changed"));
            Assert.That(message.IdempotencyKey, Is.EqualTo("key-1#0"));
            Assert.That(message.ExceptionMessage, Is.EqualTo("bad payload: 3"));
        });
    }

    [Test]
    public async Task Replay_moves_every_message_back_as_it_was()
    {
        using var client = new ErrorQueueClient(_connection);

        var result = await client.ReplayAsync(Queue, max: null, CancellationToken.None);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(result, Is.EqualTo(new ReplayResult(Queue, ErrorQueue, Moved: 3, Remaining: 0)));
            Assert.That(await CountAsync(ErrorQueue), Is.Zero);
            Assert.That(await CountAsync(Queue), Is.EqualTo(3));
        });

        for (var i = 0; i < 3; i++)
        {
            var replayed = await _channel.BasicGetAsync(Queue, autoAck: true);
            Assert.That(replayed, Is.Not.Null);
            var properties = replayed!.BasicProperties;
            var headers = properties.Headers ?? new Dictionary<string, object?>();
            Assert.Multiple(() =>
            {
                Assert.That(properties.MessageId, Is.EqualTo(_messageIds[i]), "order and message id are kept");
                Assert.That(properties.ContentType, Is.EqualTo("application/vnd.masstransit+json"));
                Assert.That(properties.Persistent, Is.True);
                Assert.That(replayed.Body.ToArray(), Is.EqualTo(Envelope(_messageIds[i])));
                // The shovel copies headers as they are; the next test shows the fault headers mislead no one.
                Assert.That(headers, Contains.Key("MT-Activity-Id"), "headers are kept");
            });
        }
    }

    [Test]
    public async Task Replayed_messages_are_consumed_and_one_that_faults_again_shows_its_new_reason()
    {
        var consumed = new System.Collections.Concurrent.ConcurrentBag<Guid?>();
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
        {
            cfg.Host(BrokerHost, (ushort)BrokerPort, _connection.VirtualHost, h =>
            {
                h.Username(Username);
                h.Password(Password);
            });
            cfg.ReceiveEndpoint(Queue, e =>
            {
                e.ConfigureConsumeTopology = false;
                e.Handler<KapsoMessageEvent>(context =>
                {
                    consumed.Add(context.MessageId == Guid.Parse(_messageIds[0])
                        ? throw new InvalidOperationException("failed again")
                        : context.MessageId);
                    return Task.CompletedTask;
                });
            });
        });
        await bus.StartAsync();
        try
        {
            using var client = new ErrorQueueClient(_connection);
            var before = DateTimeOffset.UtcNow.AddMinutes(-1);

            await client.ReplayAsync(Queue, max: null, CancellationToken.None);

            ErrorMessageInfo? refaulted = null;
            for (var deadline = DateTime.UtcNow.AddSeconds(30); DateTime.UtcNow < deadline && refaulted is null; await Task.Delay(200))
            {
                var messages = (await client.ListAsync([Queue], peek: 1, CancellationToken.None))[0].Messages;
                refaulted = messages.Count > 0 ? messages[0] : null;
            }

            Assert.That(refaulted, Is.Not.Null, "the message that failed again is back in " + ErrorQueue);
            Assert.Multiple(() =>
            {
                Assert.That(consumed, Is.EquivalentTo(_messageIds.Skip(1).Select(id => (Guid?)Guid.Parse(id))), "consumed despite their old fault headers");
                Assert.That(refaulted!.MessageId, Is.EqualTo(_messageIds[0]));
                Assert.That(refaulted.ExceptionMessage, Is.EqualTo("failed again"), "the new fault's reason, not the old one");
                Assert.That(refaulted.FaultedAt, Is.GreaterThan(before));
            });
            var raw = await _channel.BasicGetAsync(ErrorQueue, autoAck: false);
            Assert.That(raw?.BasicProperties.Headers, Contains.Key(EventHeaders.EventType), "MassTransit keeps our headers in _error");
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    [Test]
    public async Task Replay_with_max_moves_only_that_many()
    {
        using var client = new ErrorQueueClient(_connection);

        var result = await client.ReplayAsync(ErrorQueue, max: 2, CancellationToken.None);

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(result, Is.EqualTo(new ReplayResult(Queue, ErrorQueue, Moved: 2, Remaining: 1)));
            Assert.That(await CountAsync(ErrorQueue), Is.EqualTo(1));
            Assert.That(await CountAsync(Queue), Is.EqualTo(2));
        });
    }

    [Test]
    public async Task Replay_of_an_empty_error_queue_moves_nothing()
    {
        using var client = new ErrorQueueClient(_connection);

        var missing = await client.ReplayAsync(QueueNames.ContactEvents, max: null, CancellationToken.None);
        await client.ReplayAsync(Queue, max: null, CancellationToken.None);
        var again = await client.ReplayAsync(Queue, max: null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(missing.Moved, Is.Zero);
            Assert.That(again.Moved, Is.Zero);
        });
    }

    /// <summary>The first message carries the ingress's event-type header; the others are from before it existed.</summary>
    private static BasicProperties FaultedProperties(string messageId, int index)
    {
        var headers = new Dictionary<string, object?>
        {
            ["MT-Activity-Id"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            ["MT-Reason"] = "fault",
            ["MT-Fault-ExceptionType"] = "System.InvalidOperationException",
            ["MT-Fault-Message"] = $"bad payload: {index}",
            ["MT-Fault-Timestamp"] = $"2026-01-01T00:00:0{index + 5}.0000000Z",
            ["MT-Fault-StackTrace"] = "   at LeadTracker.Worker.Consumers.MessageEventsConsumer.Consume()",
            ["MT-Fault-ConsumerType"] = "LeadTracker.Worker.Consumers.MessageEventsConsumer",
            ["MT-Fault-MessageType"] = "LeadTracker.Contracts.KapsoMessageEvent",
            ["MT-Host-MachineName"] = "test",
            ["MT-Host-ProcessName"] = "LeadTracker.Worker",
        };
        if (index == 0)
        {
            headers[EventHeaders.EventType] = EventType;
        }

        return new BasicProperties
        {
            MessageId = messageId,
            ContentType = "application/vnd.masstransit+json",
            Persistent = true,
            Headers = headers,
        };
    }

    private static byte[] Envelope(string messageId) => Encoding.UTF8.GetBytes($$$"""
        {"messageId":"{{{messageId}}}","messageType":["urn:message:LeadTracker.Contracts:KapsoMessageEvent"],"message":{"eventType":"{{{EventType}}}","payloadJson":"{}","receivedAt":"2026-01-01T00:00:00Z"}}
        """);

    private async Task<uint> CountAsync(string queue) => (await _channel.QueueDeclarePassiveAsync(queue)).MessageCount;

    private static string Setting(string name, string fallback) =>
        Environment.GetEnvironmentVariable($"LeadTracker__RabbitMq__{name}") is { Length: > 0 } value ? value : fallback;
}
