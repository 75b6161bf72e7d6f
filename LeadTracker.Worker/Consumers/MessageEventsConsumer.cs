using LeadTracker.Contracts;
using LeadTracker.Hosting;
using MassTransit;

namespace LeadTracker.Worker.Consumers;

/// <summary>
/// Message and conversation events, from the <c>lead-message-events</c> queue: the coalesced messages the ingress
/// sends, and single events (an event replayed from <c>_error</c>). Acknowledged once every event is committed
/// or, alone, in <c>_error</c>.
/// </summary>
internal sealed class MessageEventsConsumer(LeadEventApplier applier)
    : IConsumer<KapsoMessageEvents>, IConsumer<KapsoMessageEvent>
{
    public async Task Consume(ConsumeContext<KapsoMessageEvents> context) =>
        await ErrorQueueRejection.SendAsync(context, QueueNames.MessageEvents,
            await applier.ApplyAsync(context.Message.Events, EventStream.Message, ConsumerRetry.IsLastAttempt(context)));

    public Task Consume(ConsumeContext<KapsoMessageEvent> context) => applier.ApplyOneAsync(context.Message, EventStream.Message);
}
