namespace LeadTracker.Worker.Errors;

/// <summary>What a replay moved from <paramref name="ErrorQueue"/> back to <paramref name="Queue"/>.</summary>
/// <param name="Queue">The consumer queue the messages were published to.</param>
/// <param name="ErrorQueue">The error queue they were taken from.</param>
/// <param name="Moved">Messages published (confirmed) to <paramref name="Queue"/> and removed from the error queue.</param>
/// <param name="Remaining">Messages left in the error queue afterwards (new failures included).</param>
internal sealed record ReplayResult(string Queue, string ErrorQueue, int Moved, long Remaining);
