using LeadTracker.Contracts;
using MassTransit;

namespace LeadTracker.Worker.Consumers;

/// <summary>Contact identity and marketing-preference events, from the <c>lead-contact-events</c> queue.</summary>
internal sealed class ContactEventsConsumer(LeadEventApplier applier) : IConsumer<KapsoContactEvent>
{
    public Task Consume(ConsumeContext<KapsoContactEvent> context) =>
        applier.ApplyAsync(context.Message.EventType, context.Message.PayloadJson, context.Message.ReceivedAt,
            context.Message.IdempotencyKey, context.Message.TraceParent);
}
