using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Backup;

/// <summary>
/// Scheduled backups: every <see cref="BackupOptions.Interval"/> an online copy of the lead database into
/// <see cref="BackupOptions.Directory"/> (<see cref="DatabaseBackup"/>, as the <c>backup</c> verb), then the oldest
/// beyond <see cref="BackupOptions.Keep"/> are deleted, only after the new one is verified. A failure is one error
/// line with its reason, and the next interval tries again; it never stops the worker.
/// </summary>
internal sealed partial class BackupService(
    IOptions<BackupOptions> options,
    SqliteConnectionFactory connections,
    BackupStatus status,
    BackupMetrics metrics,
    ILogger<BackupService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var o = options.Value;
        if (!o.Enabled)
        {
            Log.Off(logger);
            return;
        }

        var folder = Path.GetFullPath(o.Directory!);
        status.Enabled(folder);
        Log.On(logger, folder, o.Interval, o.Keep);
        using var timer = new PeriodicTimer(o.Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) await Task.Run(() => RunOnce(folder, o.Keep), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
    }

    private void RunOnce(string folder, int keep)
    {
        try
        {
            var backup = DatabaseBackup.Take(connections, folder);
            var deleted = DatabaseBackup.Prune(folder, keep);
            status.Succeeded(backup.TakenAt, backup.Path, backup.Bytes);
            metrics.Run(succeeded: true);
            Log.Done(logger, backup.Path, backup.Bytes, backup.Messages, backup.DurationMs, deleted.Count);
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException or BackupCheckException)
        {
            var reason = e.Message.Split('\n', 2)[0].TrimEnd('\r');
            status.Failed(DateTimeOffset.UtcNow, reason);
            metrics.Run(succeeded: false);
            Log.Failed(logger, folder, reason);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 5000, Level = LogLevel.Information,
            Message = "Scheduled backups are off: set LeadTracker__Backup__Directory to take one every LeadTracker__Backup__Interval (docs/backups.md)")]
        public static partial void Off(ILogger logger);

        [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
            Message = "Scheduled backups to {Directory} every {Interval}, keeping the newest {Keep}")]
        public static partial void On(ILogger logger, string directory, TimeSpan interval, int keep);

        [LoggerMessage(EventId = 5002, Level = LogLevel.Information,
            Message = "[Backup] {Path}: {Bytes} bytes, {Messages} messages, {DurationMs} ms; {Deleted} older backup(s) deleted")]
        public static partial void Done(ILogger logger, string path, long bytes, long messages, long durationMs, int deleted);

        [LoggerMessage(EventId = 5003, Level = LogLevel.Error,
            Message = "[Backup] failed, no backup written to {Directory} (tried again at the next interval): {Reason}")]
        public static partial void Failed(ILogger logger, string directory, string reason);
    }
}
