using LeadTracker.Worker.Domain;

namespace LeadTracker.Tests.Support;

/// <summary>The plainest event the store takes: a message received from one phone by business 110000000000001, at 1,000 ms.</summary>
internal static class InboundEvents
{
    public static LeadEvent Received(string wamid, string phone = "+15550100123") => new()
    {
        EventType = "whatsapp.message.received",
        PhoneNumberId = "110000000000001",
        ReceivedAtMs = 1_000,
        Contact = new ContactFact { PhoneE164 = phone, ObservedAtMs = 1_000 },
        Message = new MessageFact { Wamid = wamid, Direction = Direction.Inbound, Status = MessageStatus.Received, OccurredAtMs = 1_000 },
    };
}
