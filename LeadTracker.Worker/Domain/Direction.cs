namespace LeadTracker.Worker.Domain;

/// <summary>Which way a message went: from the lead to the business, or from the business to the lead.</summary>
internal enum Direction
{
    Inbound,
    Outbound,
}
