using System.Diagnostics;
using System.Text.Json;
using LeadTracker.Benchmark.Reporting;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace LeadTracker.Benchmark.Broker;

internal sealed record BrokerResult(
    int Messages, int AverageBodyBytes, int Channels, int Window, int Prefetch, double PublishPerSecond, double ConsumePerSecond, double CombinedPerSecond);

/// <summary>
/// The broker's limit with RabbitMQ.Client alone: persistent messages the size of our events (a MassTransit-style
/// JSON envelope around a generated Kapso payload) into a durable classic queue, published with confirms tracked by
/// the client (a window of concurrent publishes spread over a few channels), and drained by one consumer with a prefetch and
/// multiple-acks. Three runs: publish alone, consume alone (the queue just filled), and both at once.
/// </summary>
internal static class BrokerLimit
{
    private const string Queue = "bench-events";


    public static async Task<BrokerResult> RunAsync(
        RabbitManagement management, BrokerSettings broker, IReadOnlyList<KapsoEvent> events, int messages, int channels, int window,
        ushort prefetch, CancellationToken ct)
    {
        var bodies = events.Take(2000).Select(Envelope).ToArray();
        var vhost = await TestBroker.CreateNamedAsync($"leadtracker-bench-broker-{Guid.NewGuid():N}"[..36], management, ct);
        try
        {
            var factory = new ConnectionFactory
            {
                HostName = broker.Host,
                Port = broker.Port,
                UserName = broker.User,
                Password = broker.Password,
                VirtualHost = vhost.VirtualHost,
                ClientProvidedName = "leadtracker-bench",
            };
            await using var publishConnection = await factory.CreateConnectionAsync(ct);
            await using var consumeConnection = await factory.CreateConnectionAsync(ct);
            await using (var setup = await publishConnection.CreateChannelAsync(cancellationToken: ct))
            {
                await setup.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false, cancellationToken: ct);
            }

            var published = new Counter();
            var consumed = new Counter();

            // Warm-up: JIT, channel set-up and the queue's first segment files, not timed.
            await PublishAsync(publishConnection, bodies, 5_000, channels, window, published, ct);
            await ConsumeAsync(consumeConnection, 5_000, prefetch, consumed, ct);
            published.Reset();
            consumed.Reset();
            double publishRate, consumeRate, combinedRate;
            await using (Progress.Start("broker: publish", () => (published.Value, 0)))
            {
                publishRate = messages / (await PublishAsync(publishConnection, bodies, messages, channels, window, published, ct)).TotalSeconds;
            }

            await using (Progress.Start("broker: consume", () => (messages, consumed.Value)))
            {
                consumeRate = messages / (await ConsumeAsync(consumeConnection, messages, prefetch, consumed, ct)).TotalSeconds;
            }

            published.Reset();
            consumed.Reset();
            await using (Progress.Start("broker: publish+consume", () => (published.Value, consumed.Value)))
            {
                var clock = Stopwatch.StartNew();
                var consuming = ConsumeAsync(consumeConnection, messages, prefetch, consumed, ct);
                await PublishAsync(publishConnection, bodies, messages, channels, window, published, ct);
                await consuming;
                combinedRate = messages / clock.Elapsed.TotalSeconds;
            }

            return new BrokerResult(
                messages, (int)bodies.Average(b => b.Length), channels, window, prefetch, publishRate, consumeRate, combinedRate);
        }
        finally
        {
            await vhost.DisposeAsync();
        }
    }

    private static async Task<TimeSpan> PublishAsync(
        IConnection connection, byte[][] bodies, int messages, int channelCount, int window, Counter published, CancellationToken ct)
    {
        var options = new CreateChannelOptions(
            publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(window * 2));
        var channels = new IChannel[channelCount];
        for (var c = 0; c < channels.Length; c++)
        {
            channels[c] = await connection.CreateChannelAsync(options, ct);
        }

        var next = -1;
        var clock = Stopwatch.StartNew();
        var publishers = Enumerable.Range(0, window).Select(async p =>
        {
            var channel = channels[p % channels.Length];
            int i;
            while ((i = Interlocked.Increment(ref next)) < messages)
            {
                var properties = new BasicProperties
                {
                    Persistent = true,
                    ContentType = "application/vnd.masstransit+json",
                    MessageId = Guid.NewGuid().ToString(),
                };
                await channel.BasicPublishAsync(string.Empty, Queue, mandatory: true, properties, bodies[i % bodies.Length], ct);
                published.Increment();
            }
        });
        await Task.WhenAll(publishers);
        var elapsed = clock.Elapsed;
        foreach (var channel in channels)
        {
            await channel.DisposeAsync();
        }

        return elapsed;
    }

    private static async Task<TimeSpan> ConsumeAsync(IConnection connection, int messages, ushort prefetch, Counter consumed, CancellationToken ct)
    {
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await channel.BasicQosAsync(0, prefetch, global: false, ct);
        var ackEvery = Math.Max(1, prefetch / 4);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var count = 0;
        var clock = Stopwatch.StartNew();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            // One dispatcher per channel: deliveries arrive one at a time, so a plain counter is enough.
            count++;
            if (count % ackEvery == 0 || count == messages)
            {
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: true, ct);
                consumed.Set(count);
            }

            if (count == messages)
            {
                done.TrySetResult();
            }
        };
        var tag = await channel.BasicConsumeAsync(Queue, autoAck: false, consumer, ct);
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5), ct);
        var elapsed = clock.Elapsed;
        await channel.BasicCancelAsync(tag, cancellationToken: ct);
        return elapsed;
    }

    /// <summary>The size and shape MassTransit puts on the wire for one of our events: its JSON envelope.</summary>
    private static byte[] Envelope(KapsoEvent e) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        messageId = Guid.NewGuid(),
        conversationId = Guid.NewGuid(),
        sourceAddress = "rabbitmq://localhost/leadtracker/bench_LeadTrackerIngress_bus_abcdefghijklmno",
        destinationAddress = "rabbitmq://localhost/leadtracker/lead-message-events",
        messageType = new[] { "urn:message:LeadTracker.Contracts:KapsoMessageEvent" },
        message = new
        {
            eventType = e.EventType,
            idempotencyKey = Guid.NewGuid().ToString(),
            payloadJson = System.Text.Encoding.UTF8.GetString(e.Json),
            receivedAt = DateTimeOffset.UtcNow,
        },
        sentTime = DateTimeOffset.UtcNow,
        headers = new { },
        host = new
        {
            machineName = Environment.MachineName,
            processName = "LeadTracker.Ingress",
            processId = 4242,
            assembly = "LeadTracker.Ingress",
            assemblyVersion = "1.0.0.0",
            frameworkVersion = Environment.Version.ToString(),
            massTransitVersion = "8.5.12.0",
            operatingSystemVersion = Environment.OSVersion.VersionString,
        },
    });

    private sealed class Counter
    {
        private long _value;

        public long Value => Interlocked.Read(ref _value);

        public void Increment() => Interlocked.Increment(ref _value);

        public void Set(long value) => Interlocked.Exchange(ref _value, value);

        public void Reset() => Interlocked.Exchange(ref _value, 0);
    }
}

internal sealed record BrokerSettings(string Host, int Port, string User, string Password, Uri Management);
