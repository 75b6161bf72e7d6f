namespace LeadTracker.Worker.Domain;

/// <summary>Which way a message went: from the lead to the business, or from the business to the lead.</summary>
internal enum Direction
{
    Inbound,
    Outbound,
}

/// <summary>The one mapping between <see cref="Direction"/> and Kapso's words for it, used in payloads, logs and rows.</summary>
internal static class Directions
{
    public const string Inbound = "inbound";
    public const string Outbound = "outbound";

    public static string Name(this Direction direction) => direction == Direction.Inbound ? Inbound : Outbound;

    /// <summary>Kapso's <c>direction</c>; null for any other value.</summary>
    public static Direction? Parse(string? name) => name switch
    {
        Inbound => Direction.Inbound,
        Outbound => Direction.Outbound,
        _ => null,
    };
}
