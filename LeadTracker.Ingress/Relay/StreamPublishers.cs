using LeadTracker.Contracts;
using LeadTracker.Hosting;
using Microsoft.Extensions.Options;

namespace LeadTracker.Ingress.Relay;

/// <summary>
/// The streams the ingress relays, each with its queue and its contracts: the one place that maps an
/// <see cref="EventStream"/> to a queue. <c>lead-message-events</c> carries <see cref="KapsoMessageEvents"/>,
/// <c>lead-contact-events</c> carries <see cref="KapsoContactEvents"/>.
/// </summary>
internal sealed class StreamPublishers(StreamQueues queues, IOptions<IngressOptions> options) : IAsyncDisposable
{
    private readonly CoalescingPublisher _messages = new CoalescingPublisher<KapsoMessageEvent, KapsoMessageEvents>(
        queues, QueueNames.MessageEvents, events => new KapsoMessageEvents { Events = events }, options.Value);

    private readonly CoalescingPublisher _contacts = new CoalescingPublisher<KapsoContactEvent, KapsoContactEvents>(
        queues, QueueNames.ContactEvents, events => new KapsoContactEvents { Events = events }, options.Value);

    public CoalescingPublisher For(EventStream stream) => stream switch
    {
        EventStream.Message => _messages,
        EventStream.Contact => _contacts,
        _ => throw new ArgumentOutOfRangeException(nameof(stream), stream, "ignored events are answered, never relayed"),
    };

    public async ValueTask DisposeAsync()
    {
        await _messages.DisposeAsync();
        await _contacts.DisposeAsync();
    }
}
