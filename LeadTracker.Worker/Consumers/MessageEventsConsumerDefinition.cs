using LeadTracker.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Consumers;

internal sealed class MessageEventsConsumerDefinition : ConsumerDefinition<MessageEventsConsumer>
{
    private readonly WorkerOptions _options;

    public MessageEventsConsumerDefinition(IOptions<WorkerOptions> options)
    {
        _options = options.Value;
        EndpointName = QueueNames.MessageEvents;
        ConcurrentMessageLimit = _options.PrefetchCount;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<MessageEventsConsumer> consumerConfigurator, IRegistrationContext context) =>
        LeadEndpoint.Configure(endpointConfigurator, _options);
}
