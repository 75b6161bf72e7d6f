using System.ComponentModel.DataAnnotations;

namespace LeadTracker.Worker.Reconcile;

/// <summary>The worker's continuous catch-up, bound from <c>LeadTracker:Reconcile</c> and validated at start.</summary>
internal sealed class ReconcileOptions
{
    public const string Section = "LeadTracker:Reconcile";

    /// <summary>Time between two automatic runs.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Each run starts this long before the previous run's end, for messages Kapso stored late.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan Overlap { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far back the first run of a workspace without a watermark reads.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan InitialLookback { get; set; } = TimeSpan.FromDays(1);

    /// <summary>The outbound pass before the window: statuses of messages sent earlier that moved meanwhile.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan StatusLookback { get; set; } = TimeSpan.FromDays(7);
}
