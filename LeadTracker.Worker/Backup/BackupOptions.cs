using System.ComponentModel.DataAnnotations;

namespace LeadTracker.Worker.Backup;

/// <summary>The worker's scheduled backups, bound from <c>LeadTracker:Backup</c> and validated at start.</summary>
internal sealed class BackupOptions
{
    public const string Section = "LeadTracker:Backup";

    /// <summary>Where the backup files go; unset: no scheduled backups (the start log says so once).</summary>
    public string? Directory { get; set; }

    /// <summary>Time between two backups; the first is taken one interval after start.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Backups kept in <see cref="Directory"/>; older ones are deleted once a newer one is verified.</summary>
    [Range(1, 10_000)]
    public int Keep { get; set; } = 48;

    public bool Enabled => !string.IsNullOrWhiteSpace(Directory);
}
