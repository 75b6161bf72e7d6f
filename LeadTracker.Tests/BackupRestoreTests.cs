using System.Globalization;
using System.Text.Json;
using Dapper;
using LeadTracker.Tests.Api;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Tests;

/// <summary>
/// <c>backup</c> and <c>restore</c> as an operator runs them (the real executable), on a real SQLite file: a backup
/// taken while the writer commits is one verified moment of the database; a restore checks its file, refuses while
/// a worker holds the database, and keeps what it replaced.
/// </summary>
[TestFixture]
public sealed class BackupRestoreTests
{
    [Test]
    public async Task A_backup_taken_while_the_writer_commits_is_a_verified_single_file_of_one_moment()
    {
        using var db = new TempDatabase();
        var folder = Path.Combine(db.Folder, "backups");
        await using var writer = new LeadWriter(db.Store(), NullLogger<LeadWriter>.Instance);
        using var stop = new CancellationTokenSource();
        var written = 0;
        var writing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await writer.WriteAsync(Enumerable.Range(0, 20).Select(i => Inbound($"w{written + i:D6}")).ToArray());
                Interlocked.Add(ref written, 20);
            }
        });
        while (Volatile.Read(ref written) < 500) await Task.Delay(20);

        var before = Volatile.Read(ref written);
        var run = await WorkerCli.RunAsync(db.FilePath, "backup", "--to", folder, "--json");
        var duringBackup = Volatile.Read(ref written) - before;
        await stop.CancelAsync();
        await writing;

        Assert.That(run.Exit, Is.Zero, (run.Output + run.Error));
        using var json = JsonDocument.Parse(run.Output);
        var path = json.RootElement.GetProperty("path").GetString()!;
        using var copy = Open(path);
        var messages = copy.ExecuteScalar<long>("SELECT COUNT(*) FROM messages");
        TestContext.Out.WriteLine($"{run.Output.Trim()}; {before} written before it, {duringBackup} while it ran, {written} in all");
        Assert.Multiple(() =>
        {
            Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName), Is.EqualTo(new[] { Path.GetFileName(path) }), "one file, no partial left");
            Assert.That(Path.GetFileName(path), Does.Match(@"^leadtracker-\d{8}T\d{6}\.\d{3}Z\.db$"));
            Assert.That(json.RootElement.GetProperty("bytes").GetInt64(), Is.EqualTo(new FileInfo(path).Length));
            Assert.That(json.RootElement.GetProperty("messages").GetInt64(), Is.EqualTo(messages));
            Assert.That(json.RootElement.GetProperty("contacts").GetInt64(), Is.EqualTo(1));
            Assert.That(json.RootElement.GetProperty("takenAt").GetDateTimeOffset(), Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
            Assert.That(json.RootElement.GetProperty("durationMs").GetInt64(), Is.GreaterThanOrEqualTo(0));
            Assert.That(messages, Is.InRange(before, written), "a moment between the start and the end of the backup");
            Assert.That(messages % 20, Is.Zero, "whole transactions only");
            Assert.That(copy.ExecuteScalar<string>("PRAGMA integrity_check"), Is.EqualTo("ok"));
            Assert.That(copy.ExecuteScalar<string>("PRAGMA journal_mode"), Is.EqualTo("delete"), "one file to ship, no WAL beside it");
        });
    }

    [Test]
    public async Task A_restore_checks_its_file_refuses_under_a_worker_and_keeps_the_database_it_replaces()
    {
        using var db = new TempDatabase();
        await Write(db, "a1", "a2", "a3");
        var folder = Path.Combine(db.Folder, "backups");
        var backup = await WorkerCli.RunAsync(db.FilePath, "backup", "--to", folder);
        Assert.That(backup.Exit, Is.Zero, (backup.Output + backup.Error));
        var file = Directory.GetFiles(folder).Single();
        await Write(db, "b1", "b2");

        var garbage = Path.Combine(db.Folder, "not-a-backup.db");
        await File.WriteAllTextAsync(garbage, "not SQLite");
        var newer = Path.Combine(db.Folder, "from-the-future.db");
        File.Copy(file, newer);
        using (var future = new SqliteConnection($"Data Source={newer};Pooling=False"))
        {
            future.Open();
            future.Execute("INSERT INTO SchemaVersions (ScriptName, Applied) VALUES ('LeadTracker.Worker.Storage.Migrations.9999_future.sql', '2030-01-01')");
        }

        var notABackup = await WorkerCli.RunAsync(db.FilePath, "restore", "--from", garbage);
        var fromTheFuture = await WorkerCli.RunAsync(db.FilePath, "restore", "--from", newer);
        (int Exit, string Output, string Error) underWorker;
        using (DatabaseLock.Shared(db.FilePath)) underWorker = await WorkerCli.RunAsync(db.FilePath, "restore", "--from", file);
        var countAfterRefusals = Messages(db.FilePath);
        var restored = await WorkerCli.RunAsync(db.FilePath, "restore", "--from", file);

        var kept = Directory.GetFiles(db.Folder, "leads.db.before-restore-*").Where(f => !f.EndsWith("-wal", StringComparison.Ordinal) && !f.EndsWith("-shm", StringComparison.Ordinal)).ToArray();
        TestContext.Out.WriteLine(string.Join("\n", notABackup.Error, fromTheFuture.Error, underWorker.Error, restored.Output));
        Assert.Multiple(() =>
        {
            foreach (var refused in new[] { notABackup, fromTheFuture, underWorker })
            {
                Assert.That(refused.Exit, Is.EqualTo(1), (refused.Output + refused.Error));
                Assert.That(refused.Error.Trim().Split('\n'), Has.Length.EqualTo(1), "one line");
                Assert.That((refused.Output + refused.Error), Does.Not.Contain("   at "));
            }

            Assert.That(notABackup.Error, Does.Contain("cannot be restored"));
            Assert.That(fromTheFuture.Error, Does.Contain("newer LeadTracker").And.Contain("9999_future.sql"));
            Assert.That(underWorker.Error, Does.Contain("a worker is running on it"));
            Assert.That(countAfterRefusals, Is.EqualTo(5), "a refused restore changes nothing");

            Assert.That(restored.Exit, Is.Zero, (restored.Output + restored.Error));
            Assert.That(restored.Output, Does.Contain("3 messages, 1 contacts").And.Contain("schema is current"));
            Assert.That(Messages(db.FilePath), Is.EqualTo(3), "the backup's rows");
            Assert.That(kept, Has.Length.EqualTo(1), "the replaced database is kept beside it");
            Assert.That(kept.Length == 1 ? Messages(kept[0]) : -1, Is.EqualTo(5), "whole, with its WAL");
        });
    }

    private static async Task Write(TempDatabase db, params string[] wamids)
    {
        await using var writer = new LeadWriter(db.Store(), NullLogger<LeadWriter>.Instance);
        await writer.WriteAsync(wamids.Select(Inbound).ToArray());
    }

    private static long Messages(string path)
    {
        using var db = Open(path);
        return db.ExecuteScalar<long>("SELECT COUNT(*) FROM messages");
    }

    private static SqliteConnection Open(string path)
    {
        var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        return db;
    }

    private static LeadEvent Inbound(string wamid) => new()
    {
        EventType = "whatsapp.message.received",
        PhoneNumberId = "110000000000001",
        ReceivedAtMs = 1_000,
        Contact = new ContactFact { PhoneE164 = "+15550100123", ObservedAtMs = 1_000 },
        Message = new MessageFact
        {
            Wamid = wamid, Direction = Direction.Inbound, Status = MessageStatus.Received,
            OccurredAtMs = 1_000 + long.Parse(new string(wamid.Where(char.IsDigit).ToArray()), CultureInfo.InvariantCulture),
        },
    };
}
