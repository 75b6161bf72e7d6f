using LeadTracker.Contracts;
using LeadTracker.Ingress.Spool;
using MassTransit;
using Microsoft.Extensions.Options;

namespace LeadTracker.Ingress;

internal enum RelayOutcome
{
    /// <summary>RabbitMQ confirmed every event.</summary>
    Published,

    /// <summary>The broker did not confirm; every event is committed in the local spool.</summary>
    Spooled,

    /// <summary>Neither the broker nor the spool took the events: answer 503 so Kapso retries.</summary>
    Unavailable,
}

/// <summary>
/// Sends a webhook's events to their queues, all at once, and waits for RabbitMQ's publisher confirms. The queues
/// are declared from this side too (<see cref="StreamQueues"/>), so events are kept even before any worker has ever started.
/// </summary>
internal sealed partial class EventRelay(
    StreamQueues queues,
    EventSpool spool,
    BrokerCircuit circuit,
    IOptions<IngressOptions> ingress,
    IOptions<SpoolOptions> spoolOptions,
    ILogger<EventRelay> logger)
{
    public async Task<RelayOutcome> RelayAsync(IReadOnlyList<RelayedEvent> events, CancellationToken requestAborted)
    {
        if (!circuit.IsOpen)
        {
            try
            {
                await SendAsync(events, ingress.Value.PublishTimeout, requestAborted);
                return RelayOutcome.Published;
            }
            catch (Exception e) when (!requestAborted.IsCancellationRequested)
            {
                circuit.Open();
                Log.BrokerFailed(logger, events.Count, e.GetType().Name, e.Message);
            }
        }

        if (!spoolOptions.Value.Enabled) return RelayOutcome.Unavailable;
        if (spool.TryAppend(events)) return RelayOutcome.Spooled;

        Log.SpoolFull(logger, spool.Depth, events.Count);
        return RelayOutcome.Unavailable;
    }

    /// <summary>Sends every event and completes when all are confirmed; throws on timeout or broker failure.</summary>
    public async Task SendAsync(IEnumerable<RelayedEvent> events, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var messages = await queues.SendEndpointAsync(QueueNames.MessageEvents, deadline.Token);
        var contacts = await queues.SendEndpointAsync(QueueNames.ContactEvents, deadline.Token);

        // Concurrent sends: each confirm is awaited together, not one round trip after another.
        var sends = new List<Task>();
        foreach (var e in events)
        {
            sends.Add(e.ToContract() switch
            {
                KapsoContactEvent contact => contacts.Send(contact, context => Stamp(context, e), deadline.Token),
                KapsoMessageEvent message => messages.Send(message, context => Stamp(context, e), deadline.Token),
                var other => throw new InvalidOperationException($"no queue for {other.GetType().Name}"),
            });
        }

        await Task.WhenAll(sends).WaitAsync(deadline.Token);
    }

    /// <summary>What the event is, in headers: <c>errors list</c> reads them in <c>_error</c> without the body.</summary>
    private static void Stamp(SendContext context, RelayedEvent e)
    {
        context.Headers.Set(EventHeaders.EventType, e.EventType);
        context.Headers.Set(EventHeaders.IdempotencyKey, e.IdempotencyKey);
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4001, Level = LogLevel.Warning,
            Message = "RabbitMQ did not confirm {Events} events ({Error}: {Reason}); spooling")]
        public static partial void BrokerFailed(ILogger logger, int events, string error, string reason);

        [LoggerMessage(EventId = 4002, Level = LogLevel.Error,
            Message = "Spool full ({Depth} events waiting): refusing {Events} events with 503")]
        public static partial void SpoolFull(ILogger logger, long depth, int events);
    }
}
