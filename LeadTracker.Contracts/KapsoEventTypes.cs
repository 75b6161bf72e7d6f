using System.Collections.Frozen;

namespace LeadTracker.Contracts;

/// <summary>
/// The one table of the Kapso event types LeadTracker knows (docs/kapso.md, "Events and payloads"). The ingress
/// picks a row once per event from the signed body (<see cref="SignedEventType"/>) and the row travels with the
/// event (<see cref="IKapsoEvent.EventType"/>): nothing downstream reads a type string again. Anything outside the table is <see cref="Other"/> in metrics and logs,
/// so an invented type can neither add a metric series nor a log field value.
/// </summary>
public static class KapsoEventTypes
{
    /// <summary>The label of every event type that is not in the table.</summary>
    public const string Other = "other";

    public static readonly KapsoEventType Received = Message("received", KapsoDirection.Inbound);
    public static readonly KapsoEventType Sent = Message("sent", KapsoDirection.Outbound);
    public static readonly KapsoEventType Delivered = Message("delivered", KapsoDirection.Outbound);
    public static readonly KapsoEventType Read = Message("read", KapsoDirection.Outbound);
    public static readonly KapsoEventType Failed = Message("failed", KapsoDirection.Outbound);

    public static readonly KapsoEventType ConversationCreated = new("whatsapp.conversation.created", EventStream.Message, KapsoEventKind.Conversation);
    public static readonly KapsoEventType ConversationEnded = new("whatsapp.conversation.ended", EventStream.Message, KapsoEventKind.Conversation);
    public static readonly KapsoEventType ConversationInactive = new("whatsapp.conversation.inactive", EventStream.Message, KapsoEventKind.Conversation);

    public static readonly KapsoEventType IdentityChanged =
        new("whatsapp.contact.identity_changed", EventStream.Contact, KapsoEventKind.IdentityChange);

    public static readonly KapsoEventType MarketingPreferenceChanged =
        new("whatsapp.contact.marketing_preference_changed", EventStream.Contact, KapsoEventKind.MarketingPreference);

    public static readonly KapsoEventType ContactUpdated = new("contact.updated", EventStream.Contact, KapsoEventKind.ProfileUpdate);

    public static readonly KapsoEventType MetaForward = new(EventStreams.MetaForward, EventStream.Message, KapsoEventKind.MetaForward);

    /// <summary>Every type outside the table: acknowledged at the ingress, counted and logged as <see cref="Other"/>, never relayed.</summary>
    public static readonly KapsoEventType Ignored = new(Other, EventStream.Ignored, KapsoEventKind.Ignored);

    /// <summary>Not a Kapso name: a message body that says neither its direction nor its status (see <see cref="KapsoEventKind.UnclassifiedMessage"/>).</summary>
    public static readonly KapsoEventType UnclassifiedMessage =
        new("whatsapp.message.unclassified", EventStream.Message, KapsoEventKind.UnclassifiedMessage);

    public static readonly FrozenDictionary<string, KapsoEventType> Known = new[]
    {
        Received, Sent, Delivered, Read, Failed, ConversationCreated, ConversationEnded, ConversationInactive,
        IdentityChanged, MarketingPreferenceChanged, ContactUpdated, MetaForward, UnclassifiedMessage,
    }.ToFrozenDictionary(t => t.Name, StringComparer.Ordinal);

    /// <summary>The row for a name; null for a name that is not in the table.</summary>
    public static KapsoEventType? Find(string? name) => name is not null && Known.TryGetValue(name, out var type) ? type : null;

    /// <summary>The row for a name; <see cref="Ignored"/> for a name that is not in the table.</summary>
    public static KapsoEventType Named(string? name) => Find(name) ?? Ignored;

    /// <summary>The name itself when it is in the table, else <see cref="Other"/>: the only way a type reaches a metric or a log.</summary>
    public static string Label(string? name) => Find(name)?.Name ?? Other;

    /// <summary>The outbound message event of a status name (<c>read</c> → <see cref="Read"/>); null for any other name.</summary>
    public static KapsoEventType? OutboundStatus(string? status) => status switch
    {
        "sent" => Sent,
        "delivered" => Delivered,
        "read" => Read,
        "failed" => Failed,
        _ => null,
    };

    private static KapsoEventType Message(string status, KapsoDirection direction) =>
        new("whatsapp.message." + status, EventStream.Message, KapsoEventKind.Message, status, direction);
}
