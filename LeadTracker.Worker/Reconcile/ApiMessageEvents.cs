using System.Text.Json;
using LeadTracker.Contracts;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;

namespace LeadTracker.Worker.Reconcile;

/// <summary>A webhook Kapso would have sent for a stored message: its row and its v2 body, typed as the parser reads it.</summary>
internal sealed record WebhookEquivalent(KapsoEventType Type, KapsoMessageBody Body);

/// <summary>
/// Turns one message item of Kapso's API into the webhooks that would have told us the same thing, so catch-up goes
/// through the very parser (<see cref="KapsoEventParser.Parse(KapsoEventType, KapsoMessageBody, DateTimeOffset)"/>,
/// the same typed body and row a webhook gives, never JSON text written to be read back) and store the webhook path uses and a re-run or an overlapping live webhook changes
/// nothing. The item is already a webhook's <c>message</c> object (a Meta message plus <c>kapso</c>); what differs
/// is who the lead is on outbound messages: the API's <c>to</c> may name the business itself, so the lead comes from
/// <c>to</c>/<c>to_user_id</c> when they are not the business's own id, else <c>kapso.phone_number</c>, else the
/// conversation, and is handed to the parser as the conversation's phone, as a webhook body carries it.
/// </summary>
internal static class ApiMessageEvents
{
    public static string? Wamid(JsonElement item) => Text(item, "id");

    /// <summary>Kapso's conversation id, for the lookup when the item itself does not name its lead.</summary>
    public static string? ConversationId(JsonElement item) =>
        Kapso(item) is { } kapso ? Text(kapso, "whatsapp_conversation_id") : null;

    public static bool IsOutbound(JsonElement item) =>
        Kapso(item) is { } kapso && Text(kapso, "direction") is { } direction
            ? direction == Directions.Outbound
            // Without the kapso block (the API leaves it out unless asked): only inbound messages carry a sender.
            : Text(item, "from") is null;

    /// <summary>True when the item names its lead by itself (a phone or a business-scoped user id).</summary>
    public static bool NamesItsLead(JsonElement item, string phoneNumberId)
    {
        var (phone, bsuid) = Lead(item, phoneNumberId);
        return phone is not null || bsuid is not null;
    }

    /// <summary>
    /// The webhooks for <paramref name="item"/>: <c>received</c> for inbound; for outbound <c>sent</c>, followed by
    /// <c>delivered</c>, <c>read</c> or <c>failed</c> when the status went that far (Kapso sends each; the store keeps
    /// a failed message out of the lead's outreach times whichever came first). An outbound message still
    /// <c>pending</c> was not sent yet: nothing, a later run sees it.
    /// </summary>
    /// <param name="conversation">The conversation lookup, for items that do not name their lead.</param>
    /// <exception cref="InvalidKapsoPayloadException">The item is not in the shape of a message.</exception>
    public static IReadOnlyList<WebhookEquivalent> From(JsonElement item, string phoneNumberId,
        KapsoConversationInfo? conversation = null)
    {
        KapsoEventType[] types = !IsOutbound(item) ? [KapsoEventTypes.Received]
            : (Kapso(item) is { } k ? Text(k, "status") : null) switch
            {
                "pending" => [],
                "failed" => [KapsoEventTypes.Sent, KapsoEventTypes.Failed],
                "delivered" => [KapsoEventTypes.Sent, KapsoEventTypes.Delivered],
                "read" or "played" => [KapsoEventTypes.Sent, KapsoEventTypes.Read],
                _ => [KapsoEventTypes.Sent],
            };
        if (types.Length == 0) return [];

        var (phone, bsuid) = Lead(item, phoneNumberId);
        var message = MessageOf(item, types[0]);
        // The parser reads the lead from these before the conversation; only values that name the lead may stay.
        message = message with
        {
            To = null,
            Kapso = message.Kapso is { } kapso && IsBusiness(kapso.PhoneNumber, phoneNumberId) ? kapso with { PhoneNumber = null } : message.Kapso,
        };
        var body = new KapsoMessageBody(message,
            new KapsoConversation(ConversationId(item), phone ?? conversation?.PhoneNumber, bsuid ?? conversation?.BusinessScopedUserId,
                Username: null, ContactName: null, Kapso: null),
            phoneNumberId);
        return types.Select(type => new WebhookEquivalent(type, body)).ToArray();
    }

    /// <summary>The item read as a webhook's <c>message</c>, by the shapes the parser reads a webhook with.</summary>
    private static KapsoMessage MessageOf(JsonElement item, KapsoEventType type)
    {
        try
        {
            return item.Deserialize(KapsoJsonContext.Default.KapsoMessage) ?? throw new JsonException("the message is JSON null");
        }
        catch (JsonException e)
        {
            throw new InvalidKapsoPayloadException($"{type.Name}: the payload does not match the documented shape: {e.Message}", e);
        }
    }

    /// <summary>The lead's phone and business-scoped id as the item names them; never the business's own id.</summary>
    private static (string? Phone, string? Bsuid) Lead(JsonElement item, string phoneNumberId)
    {
        var kapsoPhone = Kapso(item) is { } kapso ? Phone(Text(kapso, "phone_number"), phoneNumberId) : null;
        if (!IsOutbound(item))
            return (Phone(Text(item, "from"), phoneNumberId) ?? kapsoPhone, Usable(Text(item, "from_user_id"), phoneNumberId));

        return (Phone(Text(item, "to"), phoneNumberId) ?? kapsoPhone, Usable(Text(item, "to_user_id"), phoneNumberId));
    }

    /// <summary>A phone that names the lead: not the business's id, and a number at all (else the next source is asked).</summary>
    private static string? Phone(string? value, string phoneNumberId) =>
        Usable(value, phoneNumberId) is { } phone && LeadPhone.ToE164(phone) is not null ? phone : null;

    private static string? Usable(string? value, string phoneNumberId) =>
        string.IsNullOrWhiteSpace(value) || IsBusiness(value, phoneNumberId) ? null : value;

    private static bool IsBusiness(string? value, string phoneNumberId) =>
        value is not null && Digits(value) is { Length: > 0 } digits && digits == Digits(phoneNumberId);

    private static string Digits(string value) => new(value.Where(char.IsAsciiDigit).ToArray());

    private static JsonElement? Kapso(JsonElement item) =>
        item.TryGetProperty("kapso", out var kapso) && kapso.ValueKind == JsonValueKind.Object ? kapso : null;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

}
