using LeadTracker.Contracts;
using LeadTracker.Hosting;
using MassTransit;

namespace LeadTracker.Worker.Consumers;

/// <summary>
/// Contact identity and marketing-preference events, from the <c>lead-contact-events</c> queue: coalesced
/// messages and single (replayed) events, as <see cref="MessageEventsConsumer"/>.
/// </summary>
internal sealed class ContactEventsConsumer(LeadEventApplier applier)
    : IConsumer<KapsoContactEvents>, IConsumer<KapsoContactEvent>
{
    public async Task Consume(ConsumeContext<KapsoContactEvents> context) =>
        await ErrorQueueRejection.SendAsync(context, QueueNames.ContactEvents,
            await applier.ApplyAsync(context.Message.Events, EventStream.Contact, ConsumerRetry.IsLastAttempt(context)));

    public Task Consume(ConsumeContext<KapsoContactEvent> context) => applier.ApplyOneAsync(context.Message, EventStream.Contact);
}
