namespace LeadTracker.Worker.Alerts;

/// <summary>The two crossings an alert is about; the names are stored and sent as they are.</summary>
internal static class AlertKind
{
    /// <summary>They wrote after our last outreach and have waited <see cref="AlertOptions.WaitingAfter"/> since their latest message.</summary>
    public const string Waiting = "waiting";

    /// <summary>A waiting lead's reply window closes within <see cref="AlertOptions.ClosingWithin"/>.</summary>
    public const string Closing = "closing";
}
