using Dapper;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Tests;

/// <summary>
/// Every SQLite setting the worker relies on, read back from a real connection (not from the code's strings), and
/// the small rules around contention and a full disk: which errors are retried, what a full disk records.
/// </summary>
[TestFixture]
public sealed class SqliteSettingsTests
{
    [Test]
    public void Connections_are_durable_with_foreign_keys_and_a_short_busy_timeout()
    {
        using var db = new TempDatabase();
        var normal = new SqliteConnectionFactory(db.ConnectionString, SqliteDurability.Normal, walCheckpointPages: 123);

        using var full = db.Connections.Open();
        using var writer = normal.OpenWriter();
        using var reader = normal.Open();
        Assert.Multiple(() =>
        {
            Assert.That(full.ExecuteScalar<long>("PRAGMA synchronous"), Is.EqualTo(2), "FULL");
            Assert.That(full.ExecuteScalar<long>("PRAGMA foreign_keys"), Is.EqualTo(1));
            Assert.That(reader.ExecuteScalar<long>("PRAGMA synchronous"), Is.EqualTo(1), "NORMAL");
            Assert.That(writer.ExecuteScalar<long>("PRAGMA cache_size"), Is.EqualTo(-32768), "32 MiB");
            Assert.That(writer.ExecuteScalar<long>("PRAGMA wal_autocheckpoint"), Is.EqualTo(123));
            Assert.That(reader.ExecuteScalar<long>("PRAGMA wal_autocheckpoint"), Is.EqualTo(1000), "SQLite's default off the writer");
            using var defaultWriter = db.Connections.OpenWriter();
            Assert.That(defaultWriter.ExecuteScalar<long>("PRAGMA wal_autocheckpoint"), Is.EqualTo(10_000));
            Assert.That(new SqliteConnectionStringBuilder(db.Connections.ConnectionString).DefaultTimeout, Is.EqualTo(1));
            Assert.That(new SqliteConnectionStringBuilder(db.Connections.ConnectionString).Pooling, Is.True);
            Assert.That(new SqliteConnectionStringBuilder(
                new SqliteConnectionFactory(db.ConnectionString + ";Default Timeout=7").ConnectionString).DefaultTimeout, Is.EqualTo(7));
            Assert.That(db.Connections.DataSource, Is.EqualTo(db.FilePath));
        });
    }

    [TestCase(5, true)] // SQLITE_BUSY
    [TestCase(6, true)] // SQLITE_LOCKED
    [TestCase(13, false)] // SQLITE_FULL: a wait in the writer, not a retry here
    [TestCase(19, false)] // SQLITE_CONSTRAINT
    public void Only_contention_is_retried(int code, bool retried) =>
        Assert.That(SqliteRetry.IsTransient(new SqliteException("x", code)), Is.EqualTo(retried));

    [Test]
    public async Task Contention_is_retried_with_a_line_per_attempt_and_other_errors_are_not()
    {
        using var logs = new CapturingLoggerProvider();
        var retry = SqliteRetry.Create(logs.CreateLogger<SqliteSettingsTests>(), maxAttempts: 2);
        var busyCalls = 0;
        var otherCalls = 0;

        Assert.That(async () => await retry.ExecuteAsync(_ =>
        {
            busyCalls++;
            throw new SqliteException("database is locked", 5);
        }), Throws.TypeOf<SqliteException>());
        Assert.That(async () => await retry.ExecuteAsync(_ =>
        {
            otherCalls++;
            throw new SqliteException("constraint failed", 19);
        }), Throws.TypeOf<SqliteException>());
        var succeeded = await retry.ExecuteAsync(_ => ValueTask.FromResult(busyCalls));

        Assert.Multiple(() =>
        {
            Assert.That(busyCalls, Is.EqualTo(3), "the call and two retries");
            Assert.That(otherCalls, Is.EqualTo(1));
            Assert.That(succeeded, Is.EqualTo(3));
            Assert.That(logs.Logs.Select(l => (l.Level, l.EventId.Id)), Is.EqualTo(new[] { (LogLevel.Warning, 3001), (LogLevel.Warning, 3001) }));
            // The attempt that met the lock, counted from 1; the delay is jittered.
            Assert.That(logs.Logs.Select(l => System.Text.RegularExpressions.Regex.Replace(l.Message, @"in \d+ ms", "in N ms")), Is.EqualTo(new[]
            {
                "SQLite is busy (attempt 1); retrying in N ms: database is locked",
                "SQLite is busy (attempt 2); retrying in N ms: database is locked",
            }));
        });
    }

    [Test]
    public void A_full_disk_is_recorded_once_with_its_start_and_cleared_with_its_length()
    {
        var disk = new DiskFullStatus();
        var start = new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

        Assert.Multiple(() =>
        {
            Assert.That(disk.Cleared(start), Is.Null, "it had room");
            Assert.That(disk.Full("disk full", start), Is.True);
            Assert.That(disk.Full("still full", start.AddSeconds(2)), Is.False);
            Assert.That(disk.Current, Is.EqualTo(new DiskFullStatus.Snapshot(start, "disk full")));
            Assert.That(disk.Cleared(start.AddSeconds(5)), Is.EqualTo(TimeSpan.FromSeconds(5)));
            Assert.That(disk.Current, Is.Null);
            Assert.That(disk.Cleared(start.AddSeconds(6)), Is.Null);
            Assert.That(DiskFullStatus.IsDiskFull(new SqliteException("full", 13)), Is.True);
            Assert.That(DiskFullStatus.IsDiskFull(new SqliteException("busy", 5)), Is.False);
            Assert.That(DiskFullStatus.IsDiskFull(new IOException("full")), Is.False);
        });
    }

    [Test]
    public void An_unknown_workspace_names_its_number() =>
        Assert.That(new UnknownWorkspaceException("110000000000009").Message,
            Is.EqualTo("phone_number_id 110000000000009 is not a known workspace and CreateWorkspaces is off"));
}
