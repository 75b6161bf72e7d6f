using Polly.Contrib.WaitAndRetry;

namespace LeadTracker.Worker.Alerts;

/// <summary>
/// The wait before a delivery's next attempt: exponential with jitter (Polly's decorrelated jitter, the formula
/// Polly.Core's retry strategy uses inside, here as a sequence because the wait is stored as a time in SQLite and
/// outlives the process), never longer than <see cref="AlertOptions.MaxRetryDelay"/>.
/// </summary>
internal static class AlertBackoff
{
    /// <param name="attempts">Attempts made so far (1 after the first failure).</param>
    public static TimeSpan After(int attempts, AlertOptions options)
    {
        var n = Math.Clamp(attempts, 1, 64);
        var delay = Backoff.DecorrelatedJitterBackoffV2(options.FirstRetryDelay, n).Last();
        return delay > options.MaxRetryDelay ? options.MaxRetryDelay : delay;
    }
}
