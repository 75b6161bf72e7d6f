using LeadTracker.Hosting;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Consumers;

internal sealed class ContactEventsConsumerDefinition(IOptions<WorkerOptions> options)
    : LeadConsumerDefinition<ContactEventsConsumer>(options, QueueNames.ContactEvents);
