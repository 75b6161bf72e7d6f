namespace LeadTracker.Worker.Errors;

/// <summary>The state of one queue's <c>_error</c> queue.</summary>
/// <param name="Queue">The consumer queue, e.g. <c>lead-message-events</c>.</param>
/// <param name="ErrorQueue">Its error queue, e.g. <c>lead-message-events_error</c>.</param>
/// <param name="Exists">False when the error queue was never declared (no message ever failed): then the count is 0.</param>
/// <param name="MessageCount">Messages ready in the error queue when it was read.</param>
/// <param name="Messages">The first messages, peeked without removing them (at most the requested number).</param>
internal sealed record ErrorQueueSummary(
    string Queue,
    string ErrorQueue,
    bool Exists,
    long MessageCount,
    IReadOnlyList<ErrorMessageInfo> Messages);
