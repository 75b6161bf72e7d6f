namespace LeadTracker.Contracts;

/// <summary>Which way a Kapso message event went, as its signed body says (<c>message.kapso.direction</c>).</summary>
public enum KapsoDirection
{
    Inbound,
    Outbound,
}
