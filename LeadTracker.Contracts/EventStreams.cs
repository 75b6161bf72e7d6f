namespace LeadTracker.Contracts;

/// <summary>Which stream an event type belongs to. The one routing rule, shared by ingress and worker.</summary>
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

    public static EventStream Of(string eventType) => eventType switch
    {
        _ when eventType.StartsWith("whatsapp.message.", StringComparison.Ordinal) => EventStream.Message,
        _ when eventType.StartsWith("whatsapp.conversation.", StringComparison.Ordinal) => EventStream.Message,
        MetaForward => EventStream.Message,
        _ when eventType.StartsWith("whatsapp.contact.", StringComparison.Ordinal) => EventStream.Contact,
        "contact.updated" => EventStream.Contact,
        _ => EventStream.Ignored,
    };
}
