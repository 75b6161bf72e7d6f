namespace LeadTracker.Worker.Alerts;

/// <summary>What one delivery attempt came to, and the words stored with it (<c>last_result</c>).</summary>
internal sealed record AttemptResult(AttemptOutcome Outcome, string Result, TimeSpan? RetryAfter = null);

internal enum AttemptOutcome
{
    /// <summary>2xx: the receiver has it.</summary>
    Sent,

    /// <summary>408, 429, 5xx, a timeout or a network error: tried again later.</summary>
    Retry,

    /// <summary>Any other answer (4xx, a redirect): the receiver refuses it, trying again would not help.</summary>
    Failed,

    /// <summary>410 Gone: the receiver is gone for good; the endpoint is disabled.</summary>
    Gone,

    /// <summary>Not sent: the lead was answered or the window closed before the attempt.</summary>
    Cancelled,
}
