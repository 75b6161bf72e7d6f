using LeadTracker.Worker.Domain;

namespace LeadTracker.Tests.Support;

/// <summary>
/// A text message between a lead and a business, as the worker's store applies it: received when inbound, sent
/// (our outreach) when outbound unless another <paramref name="status"/> is given.
/// </summary>
internal static class TextMessages
{
    public const string Business = "110000000000001";

    public static LeadEvent Of(string wamid, string phone, string? name, Direction direction, long at,
        string workspace = Business, MessageStatus? status = null, string? error = null, LeadSource? referral = null,
        string? body = null, string? username = null) => new()
    {
        EventType = direction == Direction.Inbound ? "whatsapp.message.received" : "whatsapp.message.sent",
        PhoneNumberId = workspace,
        ReceivedAtMs = at,
        Contact = new ContactFact { PhoneE164 = phone, ProfileName = name, Username = username, ObservedAtMs = at },
        Message = new MessageFact
        {
            Wamid = wamid,
            Direction = direction,
            Type = "text",
            Body = body,
            Status = status ?? (direction == Direction.Inbound ? MessageStatus.Received : MessageStatus.Sent),
            Error = error,
            Referral = referral,
            OccurredAtMs = at,
            IsOutreach = direction == Direction.Outbound && status is null,
        },
    };
}
