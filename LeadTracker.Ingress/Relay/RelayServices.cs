using LeadTracker.Ingress.Spool;

namespace LeadTracker.Ingress.Relay;

internal static class RelayServices
{
    /// <summary>The relay to RabbitMQ: the stream queues' declarations, one coalescing publisher per stream, and the relay that spools what the broker does not confirm.</summary>
    public static IServiceCollection AddEventRelay(this IServiceCollection services) =>
        services
            .AddSingleton<StreamQueues>()
            .AddSingleton<StreamPublishers>()
            .AddSingleton<EventRelay>();
}
