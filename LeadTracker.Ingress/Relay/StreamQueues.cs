using LeadTracker.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace LeadTracker.Ingress.Relay;

/// <summary>
/// Where the ingress sends each stream's events, and the declaration of the queues behind it. The ingress declares
/// the stream queues itself, so events are kept even before any worker has started; it declares them with the
/// arguments of <see cref="StreamQueueTopology"/> (quorum or classic), which MassTransit's <c>queue:</c> addresses
/// cannot carry. Sends go to the stream's exchange as <em>mandatory</em>: if the queue behind it is missing (deleted
/// during a move to quorum queues, say), RabbitMQ returns the event, the send fails and the event is spooled, never
/// dropped. Declarations are repeated when older than <see cref="Fresh"/>, so a deleted queue comes back by itself.
/// </summary>
// Kept: a MassTransit 8.5 send address cannot carry queue arguments such as x-queue-type (src/Transports/MassTransit.RabbitMqTransport/RabbitMqEndpointAddress.cs parses none).
internal sealed partial class StreamQueues(IBus bus, IOptions<RabbitMqOptions> options, ILogger<StreamQueues> logger) : IAsyncDisposable
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(30);
    private static readonly string[] Streams = [QueueNames.MessageEvents, QueueNames.ContactEvents];

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private long _declaredAt = long.MinValue / 2;

    /// <summary>The send endpoint of <paramref name="queue"/>'s exchange, once the queue is known to be declared.</summary>
    public async Task<ISendEndpoint> SendEndpointAsync(string queue, CancellationToken cancellationToken)
    {
        await EnsureDeclaredAsync(cancellationToken);
        return await bus.GetSendEndpoint(new Uri($"exchange:{queue}"));
    }

    public async Task EnsureDeclaredAsync(CancellationToken cancellationToken)
    {
        // Declarations are RabbitMQ's; another transport (the tests' in-memory one) has nothing to declare.
        if (IsFresh || !bus.Address.Scheme.StartsWith("rabbitmq", StringComparison.Ordinal)) return;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (IsFresh) return;
            await DeclareAsync(cancellationToken);
            Volatile.Write(ref _declaredAt, Environment.TickCount64);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await DropConnectionAsync();
            throw;
        }
        finally
        {
            _gate.Release();
        }
    }

    private bool IsFresh => Environment.TickCount64 - Volatile.Read(ref _declaredAt) < Fresh.TotalMilliseconds;

    private async Task DeclareAsync(CancellationToken cancellationToken)
    {
        var rabbit = options.Value;
        if (_connection is not { IsOpen: true })
        {
            await DropConnectionAsync();
            var factory = new ConnectionFactory
            {
                UserName = rabbit.Username,
                Password = rabbit.Password,
                VirtualHost = rabbit.VirtualHost,
                RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
                AutomaticRecoveryEnabled = false,
                ClientProvidedName = "LeadTracker.Ingress queue declarations",
            };
            _connection = await factory.CreateConnectionAsync(
                rabbit.Nodes().Select(n => new AmqpTcpEndpoint(n.Host, n.Port)).ToList(), cancellationToken);
        }

        var type = rabbit.StreamQueueType;
        await using var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken);
        foreach (var stream in Streams)
        {
            await DeclareBoundQueueAsync(channel, stream, StreamQueueTopology.StreamQueueArguments(type, stream), cancellationToken);
            // The worker's MassTransit declares these on first use; declared here too, because a quorum stream queue
            // dead-letters into its _error exchange, which must exist before the first event, and so that all six
            // queues come back with the right type after an operator deleted them (docs/operations.md, "Moving to quorum queues").
            await DeclareBoundQueueAsync(channel, stream + QueueNames.ErrorSuffix, StreamQueueTopology.SideQueueArguments(type), cancellationToken);
            await DeclareBoundQueueAsync(channel, stream + QueueNames.SkippedSuffix, StreamQueueTopology.SideQueueArguments(type), cancellationToken);
        }

        Log.Declared(logger, type, _connection.Endpoint);
    }

    // MassTransit's shape: a durable fanout exchange of the queue's name, bound to the durable queue.
    private static async Task DeclareBoundQueueAsync(IChannel channel, string name, IReadOnlyDictionary<string, object> arguments,
        CancellationToken cancellationToken)
    {
        await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false,
            arguments: arguments.ToDictionary(a => a.Key, a => (object?)a.Value), cancellationToken: cancellationToken);
        await channel.QueueBindAsync(name, name, routingKey: "", cancellationToken: cancellationToken);
    }

    private async Task DropConnectionAsync()
    {
        if (_connection is null) return;
        try
        {
            await _connection.DisposeAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // a dead connection may throw on close; it is gone either way
        }

        _connection = null;
    }

    public async ValueTask DisposeAsync()
    {
        await DropConnectionAsync();
        _gate.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4010, Level = LogLevel.Debug, Message = "Stream queues declared ({QueueType}) on {Node}")]
        public static partial void Declared(ILogger logger, StreamQueueType queueType, AmqpTcpEndpoint node);
    }
}

/// <summary>The bus side of <see cref="StreamQueues"/>: sends to a stream's exchange must reach a queue.</summary>
internal static class StreamQueuesRegistration
{
    /// <summary>Every send is mandatory: an event RabbitMQ cannot route to a queue fails instead of vanishing.</summary>
    public static void UseMandatorySends(this IRabbitMqBusFactoryConfigurator cfg) =>
        cfg.ConfigureSend(send => send.UseSendExecute(context =>
        {
            if (context.TryGetPayload<RabbitMqSendContext>(out var rabbit)) rabbit.Mandatory = true;
        }));
}
