using LeadTracker.Contracts;
using MassTransit;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Consumers;

internal sealed class ContactEventsConsumerDefinition : ConsumerDefinition<ContactEventsConsumer>
{
    private readonly WorkerOptions _options;

    public ContactEventsConsumerDefinition(IOptions<WorkerOptions> options)
    {
        _options = options.Value;
        EndpointName = QueueNames.ContactEvents;
        ConcurrentMessageLimit = _options.PrefetchCount;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ContactEventsConsumer> consumerConfigurator, IRegistrationContext context) =>
        LeadEndpoint.Configure(endpointConfigurator, _options);
}
