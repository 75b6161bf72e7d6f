namespace LeadTracker.Contracts;

/// <summary>Which stream an event type belongs to: a column of <see cref="KapsoEventTypes"/>.</summary>
public enum EventStream
{
    /// <summary>Signed and valid, but nothing LeadTracker uses: acknowledged, logged and counted.</summary>
    Ignored,
    Message,
    Contact,
}

public static class EventStreams
{
    /// <summary>The event type given to a raw Meta forward, which carries no <c>X-Webhook-Event</c> header.</summary>
    public const string MetaForward = "meta.whatsapp_business_account";
}
