using System.Diagnostics;
using System.Globalization;
using LeadTracker.Benchmark.Reporting;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Benchmark.Storage;

/// <summary>
/// Does a backup block the writer? The writer commits batches of 100 new messages (synchronous=FULL, as the
/// worker) into a file of N messages, once while <c>backup</c>'s online copy (<see cref="DatabaseBackup"/>) runs
/// and once, for as many commits, without; the row gives the longest commit of each and their ratio. Then what a
/// restore of that backup does (integrity check, copy, sync) is timed: the first half of a recovery.
/// </summary>
internal static class BackupDuringWrites
{
    private const string Workspace = "110000000000888";
    private const int Batch = 100;

    public static async Task RunAsync(string prefilled, long size, string workDirectory, Report report, CancellationToken ct)
    {
        var path = Path.Combine(workDirectory, "backup-during-writes.db");
        foreach (var stale in new[] { path, path + "-wal", path + "-shm" }) File.Delete(stale);
        File.Copy(prefilled, path);
        var connections = new SqliteConnectionFactory($"Data Source={path}", SqliteDurability.Full);
        var backups = Path.Combine(workDirectory, "backups");
        using var store = new LeadStore(connections, NullLogger<LeadStore>.Instance);
        var next = 0;
        await store.ApplyAsync(Events(ref next, 300), ct); // warm-up: JIT, prepared statements, the index pages

        var backup = Task.Run(() => DatabaseBackup.Take(connections, backups), ct);
        var during = new List<TimeSpan>();
        while (!backup.IsCompleted) during.Add(await CommitAsync(store, Events(ref next, Batch), ct));
        var result = await backup;

        var without = new List<TimeSpan>();
        while (without.Count < during.Count) without.Add(await CommitAsync(store, Events(ref next, Batch), ct));

        var restore = Stopwatch.StartNew();
        var restored = Path.Combine(workDirectory, "restored.db");
        using (var db = new SqliteConnection($"Data Source={result.Path};Mode=ReadOnly;Pooling=False"))
        {
            db.Open();
            DatabaseBackup.Check(db, result.Path);
        }

        File.Copy(result.Path, restored + ".tmp", overwrite: true);
        File.Delete(restored);
        DurableFile.Publish(restored + ".tmp", restored);
        restore.Stop();

        var (longestDuring, longestWithout) = (during.Max(), without.Max());
        report.Figures["backup-longest-commit-ratio"] = longestDuring / longestWithout;
        report.Add(new ResultRow(
            "backup",
            string.Create(CultureInfo.InvariantCulture, $"10. storage: commits while backing up a file of {size:N0} messages"),
            during.Count * Batch,
            during.Aggregate(TimeSpan.Zero, (a, b) => a + b),
            null,
            [],
            string.Create(CultureInfo.InvariantCulture,
                $"longest commit (batches of {Batch}) during the backup {longestDuring.TotalMilliseconds:F1} ms vs {longestWithout.TotalMilliseconds:F1} ms " +
                $"without (ratio {longestDuring / longestWithout:F2}), median {Median(during):F1} vs {Median(without):F1} ms, {during.Count} commits each; " +
                $"backup {result.Bytes / 1048576.0:N0} MiB in {result.DurationMs / 1000.0:F1} s (with integrity check and sync); " +
                $"restore of it (check, copy, sync) {restore.Elapsed.TotalSeconds:F1} s")));
        foreach (var file in Directory.GetFiles(backups)) File.Delete(file);
        foreach (var file in new[] { restored, path, path + "-wal", path + "-shm" }) File.Delete(file);
    }

    private static async Task<TimeSpan> CommitAsync(LeadStore store, List<LeadEvent> events, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await store.ApplyAsync(events, ct);
        return clock.Elapsed;
    }

    private static double Median(List<TimeSpan> times) => times.Order().ElementAt(times.Count / 2).TotalMilliseconds;

    /// <summary>New inbound messages from a thousand leads: each lands at a random place in the wamid index.</summary>
    private static List<LeadEvent> Events(ref int next, int count)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var events = new List<LeadEvent>(count);
        for (var i = 0; i < count; i++, next++)
        {
            var phone = string.Create(CultureInfo.InvariantCulture, $"+1555018{next % 1000:D4}");
            events.Add(new LeadEvent
            {
                EventType = "whatsapp.message.received",
                PhoneNumberId = Workspace,
                ReceivedAtMs = now,
                Contact = new ContactFact { PhoneE164 = phone, ObservedAtMs = now },
                Message = new MessageFact
                {
                    Wamid = "wamid.backup." + Guid.NewGuid().ToString("N"),
                    Direction = Direction.Inbound,
                    Type = "text",
                    Body = "Is the blue one still available?",
                    Status = MessageStatus.Received,
                    OccurredAtMs = now,
                },
            });
        }

        return events;
    }
}
