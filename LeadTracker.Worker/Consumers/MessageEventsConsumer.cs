using LeadTracker.Contracts;
using MassTransit;

namespace LeadTracker.Worker.Consumers;

/// <summary>Message and conversation events, from the <c>lead-message-events</c> queue.</summary>
internal sealed class MessageEventsConsumer(LeadEventApplier applier) : IConsumer<KapsoMessageEvent>
{
    public Task Consume(ConsumeContext<KapsoMessageEvent> context) =>
        applier.ApplyAsync(context.Message.EventType, context.Message.PayloadJson, context.Message.ReceivedAt,
            context.Message.IdempotencyKey, context.Message.TraceParent);
}
