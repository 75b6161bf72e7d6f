using System.Globalization;
using LeadTracker.Contracts;
using MassTransit;

namespace LeadTracker.Worker.Consumers;

/// <summary>
/// Sends each rejected event of a multi-event message to <c>&lt;queue&gt;_error</c> on its own, as the single-event
/// contract with the headers MassTransit's own error transport writes (<c>MT-Fault-*</c>, <c>MT-Reason</c>), so
/// <c>errors list</c> and a replay treat it like any other fault; replayed into the main queue it is consumed as
/// a message of one event.
/// </summary>
internal static class ErrorQueueRejection
{
    public static async Task SendAsync<TEvent>(ConsumeContext context, string queue, IReadOnlyList<RejectedEvent<TEvent>> rejected)
        where TEvent : class, IKapsoEvent
    {
        if (rejected.Count == 0) return;
        var endpoint = await context.GetSendEndpoint(new Uri($"queue:{queue}{QueueNames.ErrorSuffix}"));
        foreach (var (e, reason) in rejected)
        {
            await endpoint.Send(e, send =>
            {
                send.Headers.Set("MT-Reason", "fault");
                send.Headers.Set("MT-Fault-ExceptionType", reason.GetType().FullName);
                send.Headers.Set("MT-Fault-Message", reason.Message);
                send.Headers.Set("MT-Fault-Timestamp", DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture));
                send.Headers.Set("MT-Fault-MessageType", typeof(TEvent).FullName);
                send.Headers.Set(LeadTrackerHeaders.EventType, e.EventType);
                if (e.IdempotencyKey is { } key) send.Headers.Set(LeadTrackerHeaders.IdempotencyKey, key);
            }, context.CancellationToken);
        }
    }

}
