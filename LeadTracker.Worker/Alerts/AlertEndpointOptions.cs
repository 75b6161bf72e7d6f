namespace LeadTracker.Worker.Alerts;

/// <summary>One receiver of alerts: a URL, its Standard Webhooks secret, and optionally the one workspace it hears about.</summary>
internal sealed class AlertEndpointOptions
{
    /// <summary>The receiver's absolute http(s) URL (a Slack or Mattermost incoming webhook works as it is).</summary>
    public string? Url { get; set; }

    /// <summary><c>whsec_</c> then the base64 of 24 to 64 random bytes; signs every request (docs/alerts.md).</summary>
    public string? Secret { get; set; }

    /// <summary>Only leads of this business number (phone_number_id); unset: every workspace.</summary>
    public string? Workspace { get; set; }
}
