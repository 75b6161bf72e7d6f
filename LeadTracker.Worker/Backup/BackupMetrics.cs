using System.Diagnostics.Metrics;

namespace LeadTracker.Worker.Backup;

/// <summary>Scheduled backups as metrics (meter <c>LeadTracker.Worker.Backup</c>): runs by result, the last good one's time and size.</summary>
internal sealed class BackupMetrics
{
    public const string MeterName = "LeadTracker.Worker.Backup";

    // Created by, and disposed with, the host's IMeterFactory.
    private readonly Meter _meter;
    private readonly Counter<long> _runs;

    public BackupMetrics(IMeterFactory meters, BackupStatus status)
    {
        _meter = meters.Create(MeterName);
        _runs = _meter.CreateCounter<long>("leadtracker.backup.runs", "{run}", "Scheduled backups, by result");
        _meter.CreateObservableGauge("leadtracker.backup.last_success_time",
            () => status.Current.LastSucceededAt?.ToUnixTimeSeconds() ?? 0, "s", "Unix time of the last verified backup (0: none yet)");
        _meter.CreateObservableGauge("leadtracker.backup.last_size", () => status.Current.LastBytes ?? 0, "By",
            "Size of the last verified backup file");
    }

    public void Run(bool succeeded) => _runs.Add(1, new KeyValuePair<string, object?>("result", succeeded ? "ok" : "failed"));
}
