using System.Text.Json;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// The worker's scheduled backups, in the real worker process: one per interval into the configured folder, only
/// the newest <c>Keep</c> kept, the last one in the health JSON and <c>/metrics</c>; a backup that cannot be
/// written is one error line per try, and the worker stays ready.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class ScheduledBackupTests
{
    private const string Done = "[Backup] /";
    private const string Failed = "[Backup] failed";

    [Test]
    public async Task The_worker_backs_up_every_interval_keeps_the_newest_and_says_so_and_a_failure_is_one_line_per_try()
    {
        await using var system = await LeadTrackerSystem.StartAsync("scheduled-backup", startWorker: false);
        var folder = Path.Combine(system.Folder, "backups");
        await system.RedeployWorkerAsync(new Dictionary<string, string>
        {
            ["LeadTracker__Backup__Directory"] = folder,
            ["LeadTracker__Backup__Interval"] = "00:00:01",
            ["LeadTracker__Backup__Keep"] = "2",
        });
        await system.WaitUntilAsync(() => system.Worker.CountLines(Done) >= 4, TimeSpan.FromSeconds(60), "four scheduled backups");
        var files = DatabaseFiles(folder);
        var backup = await BackupJsonAsync(system);
        var metrics = await PrometheusText.ScrapeAsync(new Uri(system.WorkerUrl, "/metrics"));

        // A folder that cannot be made (its parent is a file): every try fails.
        var notAFolder = Path.Combine(system.DatabasePath, "backups");
        await system.RedeployWorkerAsync(new Dictionary<string, string> { ["LeadTracker__Backup__Directory"] = notAFolder });
        await system.WaitUntilAsync(() => system.Worker.CountLines(Failed) >= 2, TimeSpan.FromSeconds(60), "two failed backups");
        var failed = await BackupJsonAsync(system);
        using var http = new HttpClient();
        using var ready = await http.GetAsync(system.Worker.Health);

        TestContext.Out.WriteLine($"files: {string.Join(", ", files.Select(Path.GetFileName))}\nbackup: {backup}\nfailed: {failed}\n" +
            string.Join('\n', system.Worker.Output.Where(l => l.Contains(Failed, StringComparison.Ordinal)).Take(2)));
        Assert.Multiple(() =>
        {
            Assert.That(files, Has.Length.EqualTo(2), "only the newest two kept");
            Assert.That(backup.GetProperty("enabled").GetBoolean(), Is.True);
            Assert.That(backup.GetProperty("result").GetString(), Is.EqualTo("ok"));
            Assert.That(backup.GetProperty("lastBytes").GetInt64(), Is.GreaterThan(0));
            Assert.That(backup.GetProperty("lastSucceededAt").GetDateTimeOffset(), Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
            Assert.That(metrics.Value("leadtracker_backup_runs_total", "result=\"ok\""), Is.GreaterThanOrEqualTo(4));
            Assert.That(metrics.Value("leadtracker_backup_last_size_bytes"), Is.GreaterThan(0));
            Assert.That(metrics.Value("leadtracker_backup_last_success_time_seconds"),
                Is.EqualTo(DateTimeOffset.UtcNow.ToUnixTimeSeconds()).Within(60));
            Assert.That(failed.GetProperty("result").GetString(), Does.StartWith("failed: "));
            Assert.That((int)ready.StatusCode, Is.EqualTo(200), "a failed backup does not take the worker out of service");
            Assert.That(system.Worker.Output.Where(l => l.Contains(Failed, StringComparison.Ordinal)), Has.All.Contains("fail:"), "an error line");
            Assert.That(system.Worker.Output, Has.None.Contains("   at "), "one line, no stack trace");
        });
    }

    private static string[] DatabaseFiles(string folder) => Directory.GetFiles(folder, "leadtracker-*.db");

    private static async Task<JsonElement> BackupJsonAsync(LeadTrackerSystem system)
    {
        using var http = new HttpClient();
        using var health = JsonDocument.Parse(await http.GetStringAsync(system.Worker.Health));
        return health.RootElement.GetProperty("backup").Clone();
    }
}
