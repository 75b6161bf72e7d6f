using LeadTracker.Hosting;
using MassTransit;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Consumers;

/// <summary>
/// Declares every receive endpoint's queue with the configured type and the arguments the ingress uses for the same
/// queue (<see cref="StreamQueueTopology"/>); the endpoint's <c>_error</c> and <c>_skipped</c> queues follow
/// (<see cref="RabbitMqBusConfiguration.LeadTrackerHost"/>).
/// </summary>
internal static class StreamQueueTypes
{
    public static void AddStreamQueueTypes(this IBusRegistrationConfigurator bus) =>
        bus.AddRabbitMqConfigureEndpointsCallback((context, name, endpoint) =>
        {
            var type = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value.StreamQueueType;
            endpoint.UseStreamQueueType(type, name);
        });
}
