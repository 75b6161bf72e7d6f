using System.Text.Json;

namespace LeadTracker.Contracts;

/// <summary>
/// What a Kapso event is, read from its signed body alone. Kapso signs the body but not <c>X-Webhook-Event</c>, so
/// a header can be replayed with any value over a body someone once saw: the body's shape, its
/// <c>message.kapso.direction</c> and <c>message.kapso.status</c> decide instead (docs/security.md, "Replays").
/// </summary>
public static class SignedEventType
{
    /// <returns>
    /// The row the body's shape names; null when it names none (no <c>message</c>, <c>contact</c>,
    /// <c>conversation</c> object and no Meta envelope): no parser could apply such a body under any type.
    /// </returns>
    /// <exception cref="JsonException">A value the decision reads is an escaped lone surrogate: no string.</exception>
    public static KapsoEventType? Of(JsonElement body)
    {
        if (StringOf(body, "object") == "whatsapp_business_account") return KapsoEventTypes.MetaForward;
        if (ObjectOf(body, "message") is { } message) return OfMessage(message);
        if (ObjectOf(body, "contact") is not null)
        {
            return ObjectOf(body, "marketing_preference") is not null ? KapsoEventTypes.MarketingPreferenceChanged
                : ObjectOf(body, "previous") is not null ? KapsoEventTypes.IdentityChanged
                : KapsoEventTypes.ContactUpdated;
        }

        if (ObjectOf(body, "conversation") is { } conversation)
        {
            return ObjectOf(body, "inactivity") is not null || ObjectOf(body, "since_message") is not null
                ? KapsoEventTypes.ConversationInactive
                : StringOf(conversation, "status") == "ended" ? KapsoEventTypes.ConversationEnded : KapsoEventTypes.ConversationCreated;
        }

        return null;
    }

    /// <summary>
    /// Inbound is always <c>received</c> (one real inbound body said <c>delivered</c>: docs/kapso.md). Outbound takes
    /// its status from <c>kapso.status</c>, else the newest known entry of <c>kapso.statuses[]</c>, else <c>sent</c>
    /// (an outbound message with no status yet went out). Without a direction the status alone decides.
    /// </summary>
    private static KapsoEventType OfMessage(JsonElement message)
    {
        var kapso = ObjectOf(message, "kapso");
        var status = kapso is { } k ? StringOf(k, "status") : null;
        return (kapso is { } o ? StringOf(o, "direction") : null) switch
        {
            "inbound" => KapsoEventTypes.Received,
            "outbound" => KapsoEventTypes.OutboundStatus(status) ?? NewestStatus(kapso!.Value) ?? KapsoEventTypes.Sent,
            null when status == "received" => KapsoEventTypes.Received,
            null => KapsoEventTypes.OutboundStatus(status) ?? KapsoEventTypes.UnclassifiedMessage,
            _ => KapsoEventTypes.UnclassifiedMessage,
        };
    }

    private static KapsoEventType? NewestStatus(JsonElement kapso)
    {
        if (!kapso.TryGetProperty("statuses", out var statuses) || statuses.ValueKind != JsonValueKind.Array) return null;
        KapsoEventType? newest = null;
        foreach (var entry in statuses.EnumerateArray())
        {
            if (entry.ValueKind == JsonValueKind.Object && KapsoEventTypes.OutboundStatus(StringOf(entry, "status")) is { } known)
                newest = known;
        }

        return newest;
    }

    private static JsonElement? ObjectOf(JsonElement parent, string property) =>
        parent.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    /// <summary>A string property; null when absent or not a string. An escaped lone surrogate (<c>"\ud800"</c>) is no string.</summary>
    /// <exception cref="JsonException">The value is an escaped lone surrogate.</exception>
    public static string? StringOf(JsonElement parent, string property)
    {
        if (!parent.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.String) return null;
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException e)
        {
            throw new JsonException($"\"{property}\" is not a valid string: {e.Message}", e);
        }
    }
}
