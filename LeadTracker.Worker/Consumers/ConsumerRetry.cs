using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Storage;
using MassTransit;

namespace LeadTracker.Worker.Consumers;

/// <summary>
/// What a consumer retries and for how long. SQLite contention is retried inside the store (Polly); what reaches
/// MassTransit's retry is a short fault worth three more tries. A payload that can never apply is not retried.
/// </summary>
internal static class ConsumerRetry
{
    public static readonly TimeSpan[] Intervals = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)];

    /// <summary>
    /// True for a failure no retry can fix: the event goes to <c>_error</c> at once. The one place that decides it:
    /// MassTransit's retry filter, the applier and the rejected-events metric all ask here.
    /// </summary>
    public static bool IsPermanent(Exception e) => e is InvalidKapsoPayloadException or UnknownWorkspaceException;

    /// <summary>True on the last try MassTransit's retry gives this delivery: what still fails now is rejected.</summary>
    public static bool IsLastAttempt(ConsumeContext context) => context.GetRetryAttempt() >= Intervals.Length;
}
