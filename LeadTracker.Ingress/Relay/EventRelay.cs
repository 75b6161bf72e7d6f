using LeadTracker.Contracts;
using LeadTracker.Hosting;
using LeadTracker.Ingress.Spool;
using Microsoft.Extensions.Options;

namespace LeadTracker.Ingress.Relay;

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
/// Hands a webhook's events to their streams' publishers, which coalesce concurrent webhooks into one broker
/// message per stream, and waits for RabbitMQ's publisher confirms; when the broker does not confirm in time the
/// events go to the spool instead.
/// </summary>
internal sealed partial class EventRelay(
    StreamPublishers streams,
    EventSpool spool,
    BrokerCircuit circuit,
    BrokerOutageLog outage,
    IOptions<IngressOptions> ingress,
    IOptions<SpoolOptions> spoolOptions,
    ILogger<EventRelay> logger)
{
    public async Task<RelayOutcome> RelayAsync(IReadOnlyList<IKapsoEvent> events, CancellationToken requestAborted)
    {
        if (!circuit.IsOpen)
        {
            try
            {
                await SendAsync(events, ingress.Value.PublishTimeout, requestAborted);
                outage.Succeeded();
                return RelayOutcome.Published;
            }
            catch (Exception e) when (!requestAborted.IsCancellationRequested)
            {
                circuit.Open();
                outage.Failed($"{e.GetType().Name}: {e.Message}");
            }
        }

        if (!spoolOptions.Value.Enabled) return RelayOutcome.Unavailable;
        if (spool.TryAppend(events)) return RelayOutcome.Spooled;

        // A full disk is said once by the spool, when it starts; a full count is said for each refusal.
        if (spool.DiskFull is null) Log.SpoolFull(logger, spool.Depth, events.Count);
        return RelayOutcome.Unavailable;
    }

    /// <summary>Sends every event and completes when all are confirmed; throws on timeout or broker failure.</summary>
    public Task SendAsync(IEnumerable<IKapsoEvent> events, TimeSpan timeout, CancellationToken cancellationToken) =>
        // Each stream's publisher is chosen once, here; the streams' confirms are awaited together.
        Task.WhenAll(events.GroupBy(e => e.EventType.Stream)
            .Select(stream => streams.For(stream.Key).PublishAsync(stream.ToArray(), timeout, cancellationToken)));

    private static partial class Log
    {
        [LoggerMessage(EventId = 4002, Level = LogLevel.Error,
            Message = "Spool full ({Depth} events waiting): refusing {Events} events with 503")]
        public static partial void SpoolFull(ILogger logger, long depth, int events);
    }
}
