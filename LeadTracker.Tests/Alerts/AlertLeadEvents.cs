using LeadTracker.Worker.Domain;

namespace LeadTracker.Tests.Alerts;

/// <summary>A lead's messages as the store applies them: they wrote, or we wrote (outreach), at a given time.</summary>
internal static class AlertLeadEvents
{
    public const string Workspace = "110000000000001";

    public static LeadEvent TheyWrote(string phone, string wamid, DateTimeOffset at, string? name = null) => Message(phone, wamid, at, inbound: true, name);

    public static LeadEvent WeWrote(string phone, string wamid, DateTimeOffset at) => Message(phone, wamid, at, inbound: false, null);

    private static LeadEvent Message(string phone, string wamid, DateTimeOffset at, bool inbound, string? name)
    {
        var ms = at.ToUnixTimeMilliseconds();
        return new LeadEvent
        {
            EventType = inbound ? "whatsapp.message.received" : "whatsapp.message.sent",
            PhoneNumberId = Workspace,
            ReceivedAtMs = ms,
            Contact = new ContactFact { PhoneE164 = phone, ProfileName = name, ObservedAtMs = ms },
            Message = new MessageFact
            {
                Wamid = wamid,
                Direction = inbound ? Direction.Inbound : Direction.Outbound,
                Status = inbound ? MessageStatus.Received : MessageStatus.Sent,
                OccurredAtMs = ms,
                IsOutreach = !inbound,
            },
        };
    }
}
