using System.Globalization;
using System.Text.Json;
using LeadTracker.Contracts;

namespace LeadTracker.Worker.Kapso;

/// <summary>
/// Turns one relayed webhook event into the facts LeadTracker stores. Pure: no I/O, no clock. Every field is
/// treated as optional (docs/kapso.md); what is truly required is checked here and a missing piece is reported
/// as an <see cref="InvalidKapsoPayloadException"/> that names it.
/// </summary>
internal static class KapsoEventParser
{
    // Unix seconds beyond year 9999 cannot be a message time; they would also overflow milliseconds.
    private const long MaxUnixSeconds = 253_402_300_799;

    /// <returns>The facts to apply; empty for a valid event that LeadTracker does not use.</returns>
    /// <exception cref="InvalidKapsoPayloadException">The payload can never be applied.</exception>
    public static IReadOnlyList<LeadEvent> Parse(string eventType, string payloadJson, DateTimeOffset receivedAt)
    {
        var receivedAtMs = receivedAt.ToUnixTimeMilliseconds();
        try
        {
            return eventType switch
            {
                EventStreams.MetaForward => ParseMeta(payloadJson, receivedAtMs),
                "whatsapp.message.received" or "whatsapp.message.sent" or "whatsapp.message.delivered"
                    or "whatsapp.message.read" or "whatsapp.message.failed" =>
                    [ParseMessage(eventType, payloadJson, receivedAtMs)],
                "whatsapp.contact.identity_changed" or "whatsapp.contact.marketing_preference_changed"
                    or "contact.updated" => [ParseContact(eventType, payloadJson, receivedAtMs)],
                _ => Ignore(payloadJson),
            };
        }
        catch (JsonException e)
        {
            throw new InvalidKapsoPayloadException($"{eventType}: the payload does not match the documented shape: {e.Message}", e);
        }
        catch (ArgumentException e) when (e.InnerException is System.Text.EncoderFallbackException)
        {
            // A lone surrogate in the text itself (not an escaped one): the JSON reader cannot even transcode it.
            throw new InvalidKapsoPayloadException($"{eventType}: the payload is not valid Unicode text: {e.Message}", e);
        }
    }

    private static LeadEvent[] Ignore(string payloadJson)
    {
        // Conversation events and unknown types change no lead, but a body that is not JSON at all is still a fault.
        using var _ = JsonDocument.Parse(payloadJson);
        return [];
    }

    private static LeadEvent ParseMessage(string eventType, string json, long receivedAtMs)
    {
        var body = KapsoJson.Deserialize(json, KapsoJsonContext.Default.KapsoMessageBody);
        var message = body.Message ?? throw Invalid(eventType, "it has no message object");
        var wamid = Required(message.Id, eventType, "message.id");
        var phoneNumberId = Required(body.PhoneNumberId, eventType, "phone_number_id");
        var direction = DirectionOf(eventType, message.Kapso?.Direction);
        // Parse only routes the five known message events here, so the suffix always names a status.
        var status = MessageStatus.Parse(eventType["whatsapp.message.".Length..])!;

        var statuses = Present(message.Kapso?.Statuses);
        var messageTime = UnixSecondsToMs(message.Timestamp, eventType, "message.timestamp");

        // A status event's message.timestamp is the time of that status; the message's own time is its 'sent' status.
        var sentAt = statuses.FirstOrDefault(s => s.Status == "sent") is { } sent
            ? UnixSecondsToMs(sent.Timestamp, eventType, "statuses[].timestamp")
            : null;
        var occurredAt = (direction == Direction.Outbound ? sentAt ?? messageTime : messageTime) ?? receivedAtMs;

        var conversation = body.Conversation;
        var phone = direction == Direction.Inbound
            ? message.From ?? conversation?.PhoneNumber ?? message.Kapso?.PhoneNumber
            : message.To ?? conversation?.PhoneNumber ?? message.Kapso?.PhoneNumber ?? (statuses.Length > 0 ? statuses[0].RecipientId : null);
        var bsuid = direction == Direction.Inbound
            ? message.FromUserId ?? conversation?.BusinessScopedUserId
            : conversation?.BusinessScopedUserId ?? (statuses.Length > 0 ? statuses[0].RecipientUserId : null);

        // Receipts are not interactions, so they carry no profile name either (docs/architecture.md, event semantics).
        var carriesProfile = status == MessageStatus.Received || status == MessageStatus.Sent;
        var profileName = carriesProfile
            ? conversation?.Kapso?.ContactName ?? message.Kapso?.ContactName ?? conversation?.ContactName
            : null;

        return new LeadEvent
        {
            EventType = eventType,
            PhoneNumberId = phoneNumberId,
            ReceivedAtMs = receivedAtMs,
            Contact = Contact(eventType, phone, bsuid, previousBsuid: null, message.Username ?? conversation?.Username,
                profileName, observedAtMs: occurredAt),
            Message = new MessageFact
            {
                Wamid = wamid,
                Direction = direction,
                Type = message.Type,
                Body = BodyOf(message) ?? message.Kapso?.Content,
                Status = status,
                Error = status == MessageStatus.Failed ? ErrorOf(statuses) : null,
                OccurredAtMs = occurredAt,
                IsOutreach = status == MessageStatus.Sent && direction == Direction.Outbound,
            },
        };
    }

    private static LeadEvent ParseContact(string eventType, string json, long receivedAtMs)
    {
        var body = KapsoJson.Deserialize(json, KapsoJsonContext.Default.KapsoContactBody);
        var contact = body.Contact ?? throw Invalid(eventType, "it has no contact object");
        var phoneNumberId = Required(body.PhoneNumberId, eventType, "phone_number_id");
        var observedAt = contact.UpdatedAt?.ToUnixTimeMilliseconds() ?? receivedAtMs;

        MarketingFact? marketing = null;
        if (eventType == "whatsapp.contact.marketing_preference_changed")
        {
            var preference = body.MarketingPreference ?? throw Invalid(eventType, "it has no marketing_preference object");
            var status = preference.Status is "stopped" or "resumed"
                ? preference.Status
                : throw Invalid(eventType, $"marketing_preference.status {Quote(preference.Status)} is not stopped or resumed");
            var sequence = preference.Sequence ?? throw Invalid(eventType, "marketing_preference.sequence is missing");
            marketing = new MarketingFact(status, sequence);
        }

        var isIdentityChange = eventType == "whatsapp.contact.identity_changed";
        return new LeadEvent
        {
            EventType = eventType,
            PhoneNumberId = phoneNumberId,
            ReceivedAtMs = receivedAtMs,
            Contact = Contact(eventType, contact.WaId ?? contact.PhoneNumber, contact.BusinessScopedUserId,
                isIdentityChange ? body.Previous?.BusinessScopedUserId : null, contact.Username, contact.ProfileName,
                observedAt),
            Marketing = marketing,
        };
    }

    private static LeadEvent[] ParseMeta(string json, long receivedAtMs)
    {
        var envelope = KapsoJson.Deserialize(json, KapsoJsonContext.Default.MetaEnvelope);
        if (envelope.Object != "whatsapp_business_account")
            throw Invalid(EventStreams.MetaForward, $"object {Quote(envelope.Object)} is not whatsapp_business_account");

        var events = new List<LeadEvent>();
        foreach (var change in Present(envelope.Entry).SelectMany(e => Present(e.Changes)))
        {
            if (change.Field != "messages" || change.Value is not { } value) continue;
            var phoneNumberId = Required(value.Metadata?.PhoneNumberId, EventStreams.MetaForward, "metadata.phone_number_id");

            foreach (var message in Present(value.Messages))
            {
                const string type = "whatsapp.message.received";
                var occurredAt = UnixSecondsToMs(message.Timestamp, type, "messages[].timestamp") ?? receivedAtMs;
                var contacts = Present(value.Contacts);
                var profile = contacts.FirstOrDefault(c => c.WaId == message.From) ?? (contacts.Length > 0 ? contacts[0] : null);
                events.Add(new LeadEvent
                {
                    EventType = type,
                    PhoneNumberId = phoneNumberId,
                    ReceivedAtMs = receivedAtMs,
                    Contact = Contact(type, message.From, message.FromUserId ?? profile?.UserId, null, message.Username,
                        profile?.Profile?.Name, occurredAt),
                    Message = new MessageFact
                    {
                        Wamid = Required(message.Id, type, "messages[].id"),
                        Direction = Direction.Inbound,
                        Type = message.Type,
                        Body = BodyOf(message),
                        Status = MessageStatus.Received,
                        OccurredAtMs = occurredAt,
                    },
                });
            }

            foreach (var status in Present(value.Statuses))
            {
                // Meta has no separate "sent" event: its 'sent' status is our outreach.
                var parsed = MessageStatus.Parse(status.Status);
                if (parsed is null) continue;
                var type = "whatsapp.message." + parsed.Name;
                var occurredAt = UnixSecondsToMs(status.Timestamp, type, "statuses[].timestamp") ?? receivedAtMs;
                events.Add(new LeadEvent
                {
                    EventType = type,
                    PhoneNumberId = phoneNumberId,
                    ReceivedAtMs = receivedAtMs,
                    Contact = Contact(type, status.RecipientId, status.RecipientUserId, null, null, null, occurredAt),
                    Message = new MessageFact
                    {
                        Wamid = Required(status.Id, type, "statuses[].id"),
                        Direction = Direction.Outbound,
                        Status = parsed,
                        Error = parsed == MessageStatus.Failed ? ErrorOf([status]) : null,
                        OccurredAtMs = occurredAt,
                        IsOutreach = parsed == MessageStatus.Sent,
                    },
                });
            }
        }

        return events.ToArray();
    }

    private static ContactFact Contact(string eventType, string? phone, string? bsuid, string? previousBsuid,
        string? username, string? profileName, long observedAtMs)
    {
        var fact = new ContactFact
        {
            PhoneE164 = LeadPhone.ToE164(phone),
            WaId = phone is null ? null : new string(phone.Where(char.IsAsciiDigit).ToArray()),
            Bsuid = Blank(bsuid),
            PreviousBsuid = Blank(previousBsuid),
            Username = Blank(username),
            ProfileName = Blank(profileName),
            ObservedAtMs = observedAtMs,
        };
        if (fact.PhoneE164 is null && fact.Bsuid is null && fact.PreviousBsuid is null)
            throw Invalid(eventType, "it names no contact: no usable phone number and no business-scoped user id");
        return fact;
    }

    /// <summary>What the lead or we wrote: the text, or a media message's caption.</summary>
    private static string? BodyOf(KapsoMessage message) =>
        message.Text?.Body ?? message.Image?.Caption ?? message.Video?.Caption ?? message.Document?.Caption;

    private static Direction DirectionOf(string eventType, string? direction) => direction switch
    {
        "inbound" => Direction.Inbound,
        "outbound" => Direction.Outbound,
        null => eventType == "whatsapp.message.received" ? Direction.Inbound : Direction.Outbound,
        _ => throw Invalid(eventType, $"message.kapso.direction {Quote(direction)} is not inbound or outbound"),
    };

    private static string? ErrorOf(IEnumerable<MetaStatus> statuses)
    {
        var error = statuses.LastOrDefault(s => s.Errors is { Count: > 0 })?.Errors?[0];
        return error is null ? null : $"{error.Code} {error.Title}: {error.Message}".Trim();
    }

    private static long? UnixSecondsToMs(string? value, string eventType, string field)
    {
        if (value is null) return null;
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds > MaxUnixSeconds)
            throw Invalid(eventType, $"{field} {Quote(value)} is not a Unix time in seconds");
        return seconds * 1000;
    }

    private static string Required(string? value, string eventType, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw Invalid(eventType, $"{field} is missing") : value;

    /// <summary>
    /// The items of a JSON array, without <c>null</c> items: the source generator cannot refuse them, and a null
    /// item says no more than an absent one (every field is optional), so it is skipped rather than dereferenced.
    /// </summary>
    private static T[] Present<T>(IReadOnlyList<T>? items)
        where T : class =>
        items is null ? [] : items.Where(item => item is not null).ToArray();

    /// <summary>A payload value inside a rejection reason: quoted, and cut short, since reasons travel in headers and logs.</summary>
    private static string Quote(string? value) =>
        value is null ? "null" : value.Length <= 64 ? $"'{value}'" : $"'{value[..64]}…' ({value.Length} characters)";

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static InvalidKapsoPayloadException Invalid(string eventType, string reason) =>
        new($"{eventType}: cannot apply: {reason}");
}
