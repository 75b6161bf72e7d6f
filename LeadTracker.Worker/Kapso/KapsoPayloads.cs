using System.Text.Json;
using System.Text.Json.Serialization;

namespace LeadTracker.Worker.Kapso;

// The documented Kapso v2 and Meta Cloud API shapes (docs/kapso.md). Every field is optional:
// Kapso says phone numbers, wa_id and the kapso blocks may be absent, so the parser decides what is required.
// Liberal where senders vary: digit strings (times, phones) may come as JSON numbers (TextOrNumberConverter), and
// numbers (sequence, error code) as numeric strings (AllowReadingFromString).

internal sealed record KapsoMessageBody(
    KapsoMessage? Message,
    KapsoConversation? Conversation,
    string? PhoneNumberId);

internal sealed record KapsoMessage(
    string? Id,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? Timestamp,
    string? Type,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? From,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? To,
    string? FromUserId,
    string? Username,
    KapsoText? Text,
    KapsoMedia? Image,
    KapsoMedia? Video,
    KapsoMedia? Document,
    KapsoMessageKapso? Kapso,
    MetaReferral? Referral = null);

/// <summary>
/// Meta's click-to-WhatsApp referral, on the first message after a person taps an ad or a page button (Meta's text
/// message webhook reference; Kapso's v2 message is Meta's message object, so it sits at <c>message.referral</c>).
/// </summary>
internal sealed record MetaReferral(
    string? SourceUrl,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? SourceId,
    string? SourceType,
    string? Headline,
    string? Body,
    string? MediaType,
    string? ImageUrl,
    string? ThumbnailUrl,
    string? CtwaClid);

internal sealed record KapsoText(string? Body);

internal sealed record KapsoMedia(string? Caption);

internal sealed record KapsoMessageKapso(
    string? Direction,
    string? Status,
    string? Origin,
    string? Content,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? PhoneNumber,
    string? ContactName,
    IReadOnlyList<MetaStatus>? Statuses);

internal sealed record KapsoConversation(
    string? Id,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? PhoneNumber,
    string? BusinessScopedUserId,
    string? Username,
    string? ContactName,
    KapsoConversationKapso? Kapso);

internal sealed record KapsoConversationKapso(string? ContactName);

internal sealed record KapsoContactBody(
    KapsoContact? Contact,
    KapsoPreviousIdentity? Previous,
    KapsoMarketingPreference? MarketingPreference,
    string? PhoneNumberId);

internal sealed record KapsoContact(
    string? Id,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? WaId,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? PhoneNumber,
    string? ProfileName,
    string? DisplayName,
    string? BusinessScopedUserId,
    string? Username,
    DateTimeOffset? UpdatedAt);

internal sealed record KapsoPreviousIdentity(string? BusinessScopedUserId);

internal sealed record KapsoMarketingPreference(string? Status, DateTimeOffset? OccurredAt, long? Sequence);

internal sealed record MetaStatus(
    string? Id,
    string? Status,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? Timestamp,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? RecipientId,
    string? RecipientUserId,
    IReadOnlyList<MetaError>? Errors);

internal sealed record MetaError(int? Code, string? Title, string? Message);

internal sealed record MetaEnvelope(string? Object, IReadOnlyList<MetaEntry>? Entry);

internal sealed record MetaEntry(IReadOnlyList<MetaChange>? Changes);

internal sealed record MetaChange(string? Field, MetaValue? Value);

internal sealed record MetaValue(
    MetaMetadata? Metadata,
    IReadOnlyList<MetaContact>? Contacts,
    IReadOnlyList<KapsoMessage>? Messages,
    IReadOnlyList<MetaStatus>? Statuses);

internal sealed record MetaMetadata(string? PhoneNumberId);

internal sealed record MetaContact(
    MetaProfile? Profile,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? WaId,
    string? UserId);

internal sealed record MetaProfile(string? Name);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    MaxDepth = 64)]
[JsonSerializable(typeof(KapsoMessageBody))]
[JsonSerializable(typeof(KapsoContactBody))]
[JsonSerializable(typeof(MetaEnvelope))]
[JsonSerializable(typeof(KapsoMessage))]
internal sealed partial class KapsoJsonContext : JsonSerializerContext;

internal static class KapsoJson
{
    public static T Deserialize<T>(ReadOnlySpan<byte> utf8Json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(utf8Json, type) ?? throw new JsonException("the payload is JSON null");
}
