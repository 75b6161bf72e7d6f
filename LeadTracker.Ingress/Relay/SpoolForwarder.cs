using LeadTracker.Contracts;
using LeadTracker.Hosting;
using LeadTracker.Ingress.Spool;
using Microsoft.Extensions.Options;

namespace LeadTracker.Ingress.Relay;

/// <summary>
/// Drains the spool into RabbitMQ in arrival order once the broker is back, deleting each slice only after its
/// confirms. A crash between confirm and delete re-publishes that slice; the worker's idempotency absorbs it.
/// </summary>
internal sealed partial class SpoolForwarder(
    EventSpool spool,
    EventRelay relay,
    BrokerCircuit circuit,
    BrokerOutageLog outage,
    IOptions<IngressOptions> options,
    ILogger<SpoolForwarder> logger) : BackgroundService
{
    private const int SliceSize = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(250);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (spool.Depth == 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken);
                continue;
            }

            try
            {
                // Inside the try: a spool read that fails must not stop the host (BackgroundService faults stop it).
                var slice = spool.Peek(SliceSize);
                await relay.SendAsync(slice.Select(s => s.Event).Where(e => e.EventType.Stream != EventStream.Ignored),
                    options.Value.PublishTimeout * 2, stoppingToken);
                spool.Remove(slice[^1].Seq, slice.Count);
                circuit.Close();
                outage.Succeeded();
                backoff = TimeSpan.FromMilliseconds(250);
                if (spool.Depth == 0) Log.Drained(logger);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                circuit.Open();
                outage.Failed($"{e.GetType().Name}: {e.Message}; {spool.Depth} events spooled");
                await Task.Delay(backoff, stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4101, Level = LogLevel.Information, Message = "Spool drained: every spooled event is confirmed by RabbitMQ")]
        public static partial void Drained(ILogger logger);
    }
}
