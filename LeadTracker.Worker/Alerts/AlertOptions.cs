namespace LeadTracker.Worker.Alerts;

/// <summary>
/// Alerts that come to the team (docs/alerts.md), bound from <c>LeadTracker:Alerts</c> and checked at start by
/// <see cref="AlertOptionsValidator"/>. No endpoint: alerts are off.
/// </summary>
internal sealed class AlertOptions
{
    public const string Section = "LeadTracker:Alerts";

    /// <summary>Where alerts go: <c>LeadTracker__Alerts__Endpoints__0__Url</c>, <c>…__Secret</c>, optional <c>…__Workspace</c>.</summary>
    public IList<AlertEndpointOptions> Endpoints { get; } = new List<AlertEndpointOptions>();

    /// <summary>A lead who wrote after our last outreach and has waited this long since their latest message: a <c>waiting</c> alert.</summary>
    public TimeSpan WaitingAfter { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>A waiting lead whose reply window closes within this: a <c>closing</c> alert.</summary>
    public TimeSpan ClosingWithin { get; set; } = TimeSpan.FromHours(2);

    /// <summary>The leads page as the team opens it (the alert links to it); unset: the alert carries no link.</summary>
    public Uri? PageUrl { get; set; }

    /// <summary>How often the worker looks for leads that became due and for deliveries whose next attempt has come.</summary>
    public TimeSpan ScanInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>At most this many webhook requests in flight at once, over all endpoints.</summary>
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Time allowed for one delivery attempt (connect, send, answer).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The median wait before the first retry; later ones grow exponentially, with jitter.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>No wait between two attempts is longer than this.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A delivery still not accepted this long after its alert was made is given up (failed).</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(24);

    public bool Enabled => Endpoints.Count > 0;
}
