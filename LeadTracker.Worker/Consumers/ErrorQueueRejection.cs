using System.Globalization;
using LeadTracker.Contracts;
using LeadTracker.Hosting;
using MassTransit;

namespace LeadTracker.Worker.Consumers;

/// <summary>
/// Sends each rejected event of a multi-event message to <c>&lt;queue&gt;_error</c> on its own, as the single-event
/// contract with the headers MassTransit's own error transport writes (<c>MT-Fault-*</c>, <c>MT-Reason</c>), so
/// <c>errors list</c> and a replay treat it like any other fault; replayed into the main queue it is consumed as
/// a message of one event. It sends to the <c>_error</c> exchange, not to a <c>queue:</c> address: that would
/// declare the queue as a classic one, which RabbitMQ refuses for a quorum <c>_error</c> queue. The send is
/// mandatory, so if no queue is bound yet the event comes back, the send fails and the message is retried, never
/// dropped (the ingress and MassTransit's error transport declare and bind <c>_error</c>).
/// </summary>
internal static class ErrorQueueRejection
{
    public static async Task SendAsync<TEvent>(ConsumeContext context, string queue, IReadOnlyList<RejectedEvent<TEvent>> rejected)
        where TEvent : class, IKapsoEvent
    {
        if (rejected.Count == 0) return;
        var endpoint = await context.GetSendEndpoint(new Uri($"exchange:{queue}{QueueNames.ErrorSuffix}"));
        foreach (var (e, reason) in rejected)
        {
            await endpoint.Send(e, send =>
            {
                if (send.TryGetPayload<RabbitMqSendContext>(out var rabbit)) rabbit.Mandatory = true;
                // Not SendContextExtensions.SetExceptionHeaders (MassTransit 8.5, src/MassTransit.Abstractions/Contexts/SendContextExtensions.cs): it reports reason.GetBaseException(), the parser's inner JsonException instead of its reason.
                send.Headers.Set(MessageHeaders.Reason, "fault");
                send.Headers.Set(MessageHeaders.FaultExceptionType, reason.GetType().FullName);
                send.Headers.Set(MessageHeaders.FaultMessage, reason.Message);
                send.Headers.Set(MessageHeaders.FaultTimestamp, DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
                send.Headers.Set(MessageHeaders.FaultMessageType, typeof(TEvent).FullName);
                send.Headers.Set(EventHeaders.EventType, e.EventType.Name);
                if (e.IdempotencyKey is { } key) send.Headers.Set(EventHeaders.IdempotencyKey, key);
            }, context.CancellationToken);
        }
    }
}
