using LeadTracker.Ingress.Spool;

namespace LeadTracker.Ingress.Relay;

internal static class RelayServices
{
    /// <summary>The relay to RabbitMQ (coalescing, one publisher per stream) and the outage spool behind it.</summary>
    public static IServiceCollection AddEventRelay(this IServiceCollection services) =>
        services
            .AddSingleton<StreamPublishers>()
            .AddSingleton<EventRelay>();
}
