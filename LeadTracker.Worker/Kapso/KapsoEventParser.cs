using System.Runtime.InteropServices;
using System.Text.Json;
using LeadTracker.Contracts;
using LeadTracker.Worker.Domain;

namespace LeadTracker.Worker.Kapso;

/// <summary>
/// Turns one relayed webhook event into the facts LeadTracker stores. Pure: no I/O, no clock. Every field is
/// treated as optional (docs/kapso.md); what is truly required is checked here and a missing piece is reported
/// as an <see cref="InvalidKapsoPayloadException"/> that names it. The event's row (resolved by the ingress, or by
/// catch-up) says which reader runs: no type string is read here. Each payload is deserialized once, from its UTF-8
/// bytes, straight into the shapes of <see cref="KapsoJsonContext"/>.
/// </summary>
internal static class KapsoEventParser
{
    /// <summary>
    /// How far after the ingress received an event its own time may lie. Clocks disagree by seconds; a message
    /// time further ahead than this is a wrong clock (or a unit mistake), and stored as is it would pin the lead to
    /// the top of "recently active" until that date: the event takes the time it was received instead.
    /// </summary>
    public static readonly TimeSpan MaxAheadOfReceipt = TimeSpan.FromMinutes(5);

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>A relayed event: its payload is the JSON the broker message carried.</summary>
    /// <returns>The facts to apply; empty for a valid event that LeadTracker does not use.</returns>
    /// <exception cref="InvalidKapsoPayloadException">The payload can never be applied.</exception>
    public static IReadOnlyList<LeadEvent> Parse(KapsoEventType type, JsonElement payload, DateTimeOffset receivedAt) =>
        Parse(type, JsonMarshal.GetRawUtf8Value(payload), receivedAt);

    /// <summary>An event as UTF-8 JSON (tests call this one: <c>Parse(KapsoEventTypes.Received, bytes, at)</c>).</summary>
    /// <exception cref="InvalidKapsoPayloadException">The payload can never be applied.</exception>
    public static IReadOnlyList<LeadEvent> Parse(KapsoEventType type, ReadOnlySpan<byte> utf8Json, DateTimeOffset receivedAt)
    {
        var receivedAtMs = receivedAt.ToUnixTimeMilliseconds();
        // A UTF-8 byte-order mark is not JSON, but says nothing wrong about the body after it.
        if (utf8Json.StartsWith(Utf8ByteOrderMark)) utf8Json = utf8Json[Utf8ByteOrderMark.Length..];
        try
        {
            return type.Kind switch
            {
                KapsoEventKind.MetaForward => ParseMeta(KapsoJson.Deserialize(utf8Json, KapsoJsonContext.Default.MetaEnvelope), receivedAtMs),
                KapsoEventKind.Message => [ParseMessage(type, KapsoJson.Deserialize(utf8Json, KapsoJsonContext.Default.KapsoMessageBody), receivedAtMs)],
                KapsoEventKind.IdentityChange or KapsoEventKind.MarketingPreference or KapsoEventKind.ProfileUpdate =>
                    [ParseContact(type, KapsoJson.Deserialize(utf8Json, KapsoJsonContext.Default.KapsoContactBody), receivedAtMs)],
                KapsoEventKind.UnclassifiedMessage =>
                    throw Invalid(type.Name, "message.kapso.direction and message.kapso.status are missing: the signed body does not say what the event is"),
                _ => Ignore(utf8Json),
            };
        }
        catch (JsonException e)
        {
            throw new InvalidKapsoPayloadException($"{type.Name}: the payload does not match the documented shape: {e.Message}", e);
        }
    }

    /// <summary>
    /// A message Kapso's API stored, already in a webhook's shape (<see cref="Reconcile.ApiMessageEvents"/>): catch-up
    /// hands its typed body here, with the row of the webhook it stands for, and never writes JSON to read it back.
    /// </summary>
    /// <exception cref="InvalidKapsoPayloadException">The message can never be applied.</exception>
    public static LeadEvent Parse(KapsoEventType type, KapsoMessageBody body, DateTimeOffset receivedAt) =>
        ParseMessage(type, body, receivedAt.ToUnixTimeMilliseconds());

    private static LeadEvent[] Ignore(ReadOnlySpan<byte> utf8Json)
    {
        // Conversation events and unknown types change no lead, but a body that is not JSON at all is still a fault.
        var reader = new Utf8JsonReader(utf8Json);
        reader.Read();
        reader.Skip();
        // Reading past the one value is the check: the reader throws when anything but white space follows it.
        reader.Read();
        return [];
    }

    private static LeadEvent ParseMessage(KapsoEventType type, KapsoMessageBody body, long receivedAtMs)
    {
        var eventType = type.Name;
        var message = body.Message ?? throw Invalid(eventType, "it has no message object");
        var wamid = Required(message.Id, eventType, "message.id");
        var phoneNumberId = Required(body.PhoneNumberId, eventType, "phone_number_id");
        var direction = DirectionOf(type, message.Kapso?.Direction);
        // Every message row of the table names a status.
        var status = MessageStatus.Parse(type.Status)!;

        var statuses = Present(message.Kapso?.Statuses);
        var messageTime = EventTime.Of(message.Timestamp, eventType, "message.timestamp", receivedAtMs);

        // A status event's message.timestamp is the time of that status; the message's own time is its 'sent' status.
        var sentAt = statuses.FirstOrDefault(s => s.Status == "sent") is { } sent
            ? EventTime.Of(sent.Timestamp, eventType, "statuses[].timestamp", receivedAtMs)
            : null;
        var occurredAt = (direction == Direction.Outbound ? sentAt ?? messageTime : messageTime) ?? EventTime.Received(receivedAtMs);

        // The first usable value of each: an empty or unusable 'from' falls back to the conversation's phone.
        var conversation = body.Conversation;
        var phone = direction == Direction.Inbound
            ? FirstPhone([message.From, conversation?.PhoneNumber, message.Kapso?.PhoneNumber])
            : FirstPhone([message.To, conversation?.PhoneNumber, message.Kapso?.PhoneNumber, .. statuses.Select(s => s.RecipientId)]);
        var bsuid = direction == Direction.Inbound
            ? FirstPresent([message.FromUserId, conversation?.BusinessScopedUserId])
            : FirstPresent([conversation?.BusinessScopedUserId, .. statuses.Select(s => s.RecipientUserId)]);

        // A receipt is not a message from the lead or a new one to them: it carries no profile name (docs/architecture.md, event semantics).
        var carriesProfile = status == MessageStatus.Received || status == MessageStatus.Sent;
        var profileName = carriesProfile
            ? FirstPresent([conversation?.Kapso?.ContactName, message.Kapso?.ContactName, conversation?.ContactName])
            : null;

        return new LeadEvent
        {
            EventType = eventType,
            PhoneNumberId = phoneNumberId,
            ReceivedAtMs = receivedAtMs,
            ClampedFromMs = occurredAt.ClampedFromMs,
            Contact = Contact(eventType, phone, bsuid, previousBsuid: null, FirstPresent([message.Username, conversation?.Username]),
                profileName, observedAtMs: occurredAt.Ms),
            Message = new MessageFact
            {
                Wamid = wamid,
                Direction = direction,
                Type = message.Type,
                Body = BodyOf(message) ?? message.Kapso?.Content,
                Referral = direction == Direction.Inbound ? SourceOf(message.Referral) : null,
                Status = status,
                Error = status == MessageStatus.Failed ? ErrorOf(statuses) : null,
                OccurredAtMs = occurredAt.Ms,
                // Any proof that our message went out is outreach at the message's time, whichever event came first.
                IsOutreach = direction == Direction.Outbound && status.ShowsItWasSent,
            },
        };
    }

    private static LeadEvent ParseContact(KapsoEventType type, KapsoContactBody body, long receivedAtMs)
    {
        var eventType = type.Name;
        var contact = body.Contact ?? throw Invalid(eventType, "it has no contact object");
        var phoneNumberId = Required(body.PhoneNumberId, eventType, "phone_number_id");
        var observedAt = contact.UpdatedAt is { } updatedAt
            ? EventTime.Clamp(updatedAt.ToUnixTimeMilliseconds(), receivedAtMs)
            : EventTime.Received(receivedAtMs);

        MarketingFact? marketing = null;
        if (type.Kind == KapsoEventKind.MarketingPreference)
        {
            var preference = body.MarketingPreference ?? throw Invalid(eventType, "it has no marketing_preference object");
            var status = preference.Status is "stopped" or "resumed"
                ? preference.Status
                : throw Invalid(eventType, $"marketing_preference.status {Quote(preference.Status)} is not stopped or resumed");
            var sequence = preference.Sequence ?? throw Invalid(eventType, "marketing_preference.sequence is missing");
            marketing = new MarketingFact(status, sequence);
        }

        var isIdentityChange = type.Kind == KapsoEventKind.IdentityChange;
        return new LeadEvent
        {
            EventType = eventType,
            PhoneNumberId = phoneNumberId,
            ReceivedAtMs = receivedAtMs,
            ClampedFromMs = observedAt.ClampedFromMs,
            Contact = Contact(eventType, FirstPhone([contact.WaId, contact.PhoneNumber]), contact.BusinessScopedUserId,
                isIdentityChange ? body.Previous?.BusinessScopedUserId : null, contact.Username, contact.ProfileName,
                observedAt.Ms),
            Marketing = marketing,
        };
    }

    private static LeadEvent[] ParseMeta(MetaEnvelope envelope, long receivedAtMs)
    {
        if (envelope.Object != "whatsapp_business_account")
            throw Invalid(EventStreams.MetaForward, $"object {Quote(envelope.Object)} is not whatsapp_business_account");

        var events = new List<LeadEvent>();
        foreach (var change in Present(envelope.Entry).SelectMany(e => Present(e.Changes)))
        {
            if (change.Field != "messages" || change.Value is not { } value) continue;
            var phoneNumberId = Required(value.Metadata?.PhoneNumberId, EventStreams.MetaForward, "metadata.phone_number_id");

            foreach (var message in Present(value.Messages))
            {
                var type = KapsoEventTypes.Received.Name;
                var occurredAt = EventTime.Of(message.Timestamp, type, "messages[].timestamp", receivedAtMs)
                    ?? EventTime.Received(receivedAtMs);
                var contacts = Present(value.Contacts);
                var from = LeadPhone.ToE164(message.From);
                var profile = contacts.FirstOrDefault(c => from is not null && LeadPhone.ToE164(c.WaId) == from)
                    ?? (contacts.Length > 0 ? contacts[0] : null);
                events.Add(new LeadEvent
                {
                    EventType = type,
                    PhoneNumberId = phoneNumberId,
                    ReceivedAtMs = receivedAtMs,
                    ClampedFromMs = occurredAt.ClampedFromMs,
                    Contact = Contact(type, from ?? LeadPhone.ToE164(profile?.WaId),
                        FirstPresent([message.FromUserId, profile?.UserId]), null, message.Username, profile?.Profile?.Name,
                        occurredAt.Ms),
                    Message = new MessageFact
                    {
                        Wamid = Required(message.Id, type, "messages[].id"),
                        Direction = Direction.Inbound,
                        Type = message.Type,
                        Body = BodyOf(message),
                        Referral = SourceOf(message.Referral),
                        Status = MessageStatus.Received,
                        OccurredAtMs = occurredAt.Ms,
                    },
                });
            }

            foreach (var status in Present(value.Statuses))
            {
                // Meta has no separate "sent" event: a sent, delivered or read status is our outreach.
                var parsed = MessageStatus.Parse(status.Status);
                if (parsed is null) continue;
                // The row of the webhook Kapso sends for this status; a voice note "played" is a read to Kapso.
                var type = (KapsoEventTypes.OutboundStatus(parsed.Name) ?? KapsoEventTypes.Read).Name;
                var occurredAt = EventTime.Of(status.Timestamp, type, "statuses[].timestamp", receivedAtMs)
                    ?? EventTime.Received(receivedAtMs);
                events.Add(new LeadEvent
                {
                    EventType = type,
                    PhoneNumberId = phoneNumberId,
                    ReceivedAtMs = receivedAtMs,
                    ClampedFromMs = occurredAt.ClampedFromMs,
                    Contact = Contact(type, LeadPhone.ToE164(status.RecipientId), status.RecipientUserId, null, null, null,
                        occurredAt.Ms),
                    Message = new MessageFact
                    {
                        Wamid = Required(status.Id, type, "statuses[].id"),
                        Direction = Direction.Outbound,
                        Status = parsed,
                        Error = parsed == MessageStatus.Failed ? ErrorOf([status]) : null,
                        OccurredAtMs = occurredAt.Ms,
                        IsOutreach = parsed.ShowsItWasSent,
                    },
                });
            }
        }

        return events.ToArray();
    }

    /// <param name="phoneE164">Already normalised (<see cref="LeadPhone.ToE164"/>); the fact folds its national form.</param>
    private static ContactFact Contact(string eventType, string? phoneE164, string? bsuid, string? previousBsuid,
        string? username, string? profileName, long observedAtMs)
    {
        var fact = new ContactFact
        {
            PhoneE164 = phoneE164,
            Bsuid = Blank(bsuid),
            PreviousBsuid = Blank(previousBsuid),
            Username = Blank(username),
            ProfileName = Blank(profileName),
            ObservedAtMs = observedAtMs,
        };
        if (fact.PhoneE164 is null && fact.Bsuid is null && fact.PreviousBsuid is null)
            throw Invalid(eventType, "it names no contact: no usable phone number and no business-scoped user id");
        return fact with { WaId = fact.PhoneE164?[1..] };
    }

    /// <summary>The first candidate that is a phone number, normalised; blank and unusable values are absent ones.</summary>
    private static string? FirstPhone(ReadOnlySpan<string?> candidates)
    {
        foreach (var candidate in candidates)
        {
            if (LeadPhone.ToE164(candidate) is { } e164) return e164;
        }

        return null;
    }

    private static string? FirstPresent(ReadOnlySpan<string?> candidates)
    {
        foreach (var candidate in candidates)
        {
            if (Blank(candidate) is { } present) return present;
        }

        return null;
    }

    /// <summary>What the lead or we wrote: the text, or a media message's caption.</summary>
    /// <summary>The ad or button a referral names; null when it names none (no id and no link: nothing to attribute).</summary>
    private static LeadSource? SourceOf(MetaReferral? referral) =>
        referral is null || (Blank(referral.SourceId) is null && Blank(referral.SourceUrl) is null) ? null : new LeadSource
        {
            Type = Trimmed(referral.SourceType),
            Id = Trimmed(referral.SourceId),
            Url = Trimmed(referral.SourceUrl),
            Headline = Trimmed(referral.Headline),
            Body = Trimmed(referral.Body),
            MediaType = Trimmed(referral.MediaType),
            ImageUrl = Trimmed(referral.ImageUrl) ?? Trimmed(referral.ThumbnailUrl),
            CtwaClid = Trimmed(referral.CtwaClid),
        };

    private static string? Trimmed(string? value) => Blank(value)?.Trim();

    private static string? BodyOf(KapsoMessage message) =>
        message.Text?.Body ?? message.Image?.Caption ?? message.Video?.Caption ?? message.Document?.Caption;

    private static Direction DirectionOf(KapsoEventType type, string? direction) => direction switch
    {
        null => type.Direction == KapsoDirection.Inbound ? Direction.Inbound : Direction.Outbound,
        _ => Directions.Parse(direction) ?? throw Invalid(type.Name, $"message.kapso.direction {Quote(direction)} is not inbound or outbound"),
    };

    private static string? ErrorOf(IEnumerable<MetaStatus> statuses)
    {
        var error = statuses.LastOrDefault(s => s.Errors is { Count: > 0 })?.Errors?[0];
        return error is null ? null : $"{error.Code} {error.Title}: {error.Message}".Trim();
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
