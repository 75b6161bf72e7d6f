using Dapper;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Simmy;
using Polly.Simmy.Fault;

namespace LeadTracker.Tests;

/// <summary>
/// The writer's wait on a full disk, in process: SQLITE_FULL is injected in front of the store (Polly's chaos fault
/// in the store's pipeline, the store's own constructor argument) instead of filling a real disk, which
/// FullDiskTests does with the real processes. A full disk is a wait, never a failed write: one line when it
/// starts, one when it clears, and on shutdown the waiting write faults unacknowledged.
/// </summary>
[TestFixture]
public sealed class WriterDiskFullTests
{
    [Test]
    public async Task A_write_waits_for_room_and_commits_once_with_one_line_each_way()
    {
        using var db = new TempDatabase();
        using var logs = new CapturingLoggerProvider();
        var disk = new DiskFullStatus();
        var failures = 2;
        using var store = new LeadStore(db.Connections, logs.CreateLogger<LeadStore>(), retry: DiskFull(() => Interlocked.Decrement(ref failures) >= 0));
        await using var writer = new LeadWriter(store, logs.CreateLogger<LeadWriter>(), disk: disk);

        var outcomes = await writer.WriteAsync([InboundEvents.Received("m1"), InboundEvents.Received("m2")]);

        Assert.Multiple(() =>
        {
            Assert.That(outcomes.Select(o => o.Message), Is.EqualTo(new[] { WriteOutcome.Inserted, WriteOutcome.Inserted }));
            Assert.That(disk.Current, Is.Null, "cleared");
            var lines = Lines(logs);
            Assert.That(lines.Select(l => l.Level), Is.EqualTo(new[] { LogLevel.Error, LogLevel.Information }));
            Assert.That(lines[0].Message, Is.EqualTo("Database disk full (database or disk is full): 2 events wait unacknowledged in memory and the queues hold the rest; writing resumes by itself when there is room"));
            Assert.That(lines[^1].Message, Does.Match(@"^Database disk has room again after \d+ s: writing resumed$"));
            using var connection = db.Connections.Open();
            Assert.That(connection.Query<string>("SELECT wamid FROM messages ORDER BY wamid"), Is.EqualTo(new[] { "m1", "m2" }));
        });
    }

    [Test]
    public async Task Stopping_during_the_wait_faults_the_write_with_the_disk_error_and_writes_nothing()
    {
        using var db = new TempDatabase();
        using var logs = new CapturingLoggerProvider();
        var disk = new DiskFullStatus();
        using var store = new LeadStore(db.Connections, logs.CreateLogger<LeadStore>(), retry: DiskFull(() => true));
        var writer = new LeadWriter(store, logs.CreateLogger<LeadWriter>(), disk: disk);

        var write = writer.WriteAsync([InboundEvents.Received("m1")]);
        await logs.WaitForAsync(l => l.Message.StartsWith("Database disk full", StringComparison.Ordinal), "the wait starts");
        await writer.DisposeAsync();

        Assert.Multiple(() =>
        {
            Assert.That(async () => await write, Throws.TypeOf<SqliteException>().With.Property(nameof(SqliteException.SqliteErrorCode)).EqualTo(13));
            Assert.That(disk.Current?.Reason, Is.EqualTo("database or disk is full"), "still full: readiness keeps saying so");
            // One line when it starts, however long it lasts; a single write is not a batch to split.
            Assert.That(Lines(logs).Select(l => l.Level), Is.EqualTo(new[] { LogLevel.Error }));
            Assert.That(() => writer.WriteAsync([InboundEvents.Received("m2")]), Throws.TypeOf<ObjectDisposedException>());
            using var connection = db.Connections.Open();
            Assert.That(connection.ExecuteScalar<long>("SELECT COUNT(*) FROM messages"), Is.Zero);
        });
    }

    [Test]
    public async Task Truncating_the_write_ahead_log_gives_its_space_back()
    {
        using var db = new TempDatabase();
        var store = db.Store();
        await store.ApplyAsync([InboundEvents.Received("m1"), InboundEvents.Received("m2")], CancellationToken.None);
        var wal = db.FilePath + "-wal";
        var before = new FileInfo(wal).Length;

        store.TryTruncateWriteAheadLog();

        Assert.Multiple(() =>
        {
            Assert.That(before, Is.GreaterThan(0), "the commits are in the WAL");
            Assert.That(new FileInfo(wal).Length, Is.Zero);
        });
    }

    [Test]
    public void The_waits_on_a_full_disk_double_from_a_quarter_second_and_stop_at_five_seconds()
    {
        var waits = new List<TimeSpan> { LeadWriter.FirstDiskWait };
        while (waits.Count < 8) waits.Add(LeadWriter.NextDiskWait(waits[^1]));

        Assert.That(waits.Select(w => w.TotalMilliseconds),
            Is.EqualTo(new double[] { 250, 500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000 }));
    }

    /// <summary>A store pipeline that answers SQLITE_FULL while <paramref name="full"/> says so.</summary>
    private static ResiliencePipeline DiskFull(Func<bool> full) =>
        new ResiliencePipelineBuilder()
            .AddChaosFault(new ChaosFaultStrategyOptions
            {
                InjectionRate = 1,
                EnabledGenerator = _ => ValueTask.FromResult(full()),
                FaultGenerator = _ => ValueTask.FromResult<Exception?>(new SqliteException("database or disk is full", 13)),
            })
            .Build();

    private static (LogLevel Level, string Message)[] Lines(CapturingLoggerProvider logs) =>
        logs.Logs.Where(l => l.Category.EndsWith(nameof(LeadWriter), StringComparison.Ordinal)).Select(l => (l.Level, l.Message)).ToArray();
}
