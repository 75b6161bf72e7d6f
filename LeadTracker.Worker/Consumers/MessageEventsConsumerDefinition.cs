using LeadTracker.Hosting;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Consumers;

internal sealed class MessageEventsConsumerDefinition(IOptions<WorkerOptions> options)
    : LeadConsumerDefinition<MessageEventsConsumer>(options, QueueNames.MessageEvents);
