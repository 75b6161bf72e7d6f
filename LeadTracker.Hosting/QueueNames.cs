namespace LeadTracker.Hosting;

/// <summary>Queue names shared by the ingress (which sends to them) and the worker (which consumes them).</summary>
public static class QueueNames
{
    public const string MessageEvents = "lead-message-events";
    public const string ContactEvents = "lead-contact-events";

    public const string ErrorSuffix = "_error";
    public const string SkippedSuffix = "_skipped";
}
