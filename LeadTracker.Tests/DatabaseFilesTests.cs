using Dapper;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Tests;

/// <summary>
/// The lead database's files in process, on real files in a temp folder: migrations, backups and their pruning,
/// the worker's lock file, the checks an operator's verb runs before it opens a database, and the durable rename
/// they rely on. The command-line and process-level behaviour is in BackupRestoreTests and ScheduledBackupTests.
/// </summary>
[TestFixture]
public sealed class DatabaseFilesTests
{
    private static readonly string[] Migrations =
    [
        "0001_initial.sql", "0002_reconcile_watermarks.sql", "0003_lead_search.sql", "0004_lead_times_index.sql",
        "0005_reply_window.sql", "0006_lead_source.sql", "0007_alerts.sql",
    ];

    private string _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), "leadtracker-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void DeleteFolder()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Test]
    public void Migrating_creates_the_folder_applies_every_script_once_in_name_order_and_turns_on_the_write_ahead_log()
    {
        var connections = new SqliteConnectionFactory($"Data Source={Path.Combine(_folder, "a", "b", "leads.db")}");
        using var logs = new CapturingLoggerProvider();

        var first = DatabaseMigrator.Migrate(connections, logs.CreateLogger<DatabaseFilesTests>());
        var second = DatabaseMigrator.Migrate(connections, NullLogger.Instance);

        Assert.Multiple(() =>
        {
            Assert.That(first.Select(ScriptFile), Is.EqualTo(Migrations));
            Assert.That(DatabaseMigrator.Scripts().Select(ScriptFile), Is.EqualTo(Migrations));
            Assert.That(second, Is.Empty);
            using var db = connections.Open();
            Assert.That(db.ExecuteScalar<string>("PRAGMA journal_mode"), Is.EqualTo("wal"));
            Assert.That(db.Query<string>("SELECT ScriptName FROM SchemaVersions ORDER BY SchemaVersionID").Select(ScriptFile),
                Is.EqualTo(Migrations));
            // DbUp's own lines, formatted: the script's name in place of its {0}.
            Assert.That(logs.Logs.Select(l => l.Message), Has.Some.Match(@"^\[Migrations\] .*0006_lead_source\.sql"));
            Assert.That(logs.Logs.Select(l => l.Message), Has.None.Contain("{0}"));
        });
    }

    [Test]
    public async Task A_backup_is_a_checked_copy_with_a_time_sortable_name_and_no_leftovers()
    {
        using var live = new TempDatabase();
        await live.Store().ApplyAsync(
            [InboundEvents.Received("m1", "+15550100001"), InboundEvents.Received("m2", "+15550100001"), InboundEvents.Received("m3", "+15550100002")],
            CancellationToken.None);
        var folder = Path.Combine(_folder, "backups");

        var backup = DatabaseBackup.Take(live.Connections, folder);

        Assert.Multiple(() =>
        {
            Assert.That(Path.GetDirectoryName(backup.Path), Is.EqualTo(Path.GetFullPath(folder)));
            Assert.That(Path.GetFileName(backup.Path), Does.Match(@"^leadtracker-\d{8}T\d{6}\.\d{3}Z\.db$"));
            Assert.That(Path.GetFileName(backup.Path), Is.EqualTo(DatabaseBackup.FileName(backup.TakenAt)));
            Assert.That((backup.Messages, backup.Contacts), Is.EqualTo((3L, 2L)));
            Assert.That(backup.Bytes, Is.EqualTo(new FileInfo(backup.Path).Length).And.GreaterThan(0));
            Assert.That(backup.DurationMs, Is.GreaterThanOrEqualTo(0));
            Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName), Is.EqualTo(new[] { Path.GetFileName(backup.Path) }));
            using var copy = new SqliteConnection($"Data Source={backup.Path};Pooling=False");
            copy.Open();
            Assert.That(copy.ExecuteScalar<string>("PRAGMA journal_mode"), Is.EqualTo("delete"));
            Assert.That(copy.Query<string>("SELECT wamid FROM messages ORDER BY wamid"), Is.EqualTo(new[] { "m1", "m2", "m3" }));
        });
    }

    [Test]
    public void A_backup_of_a_database_that_is_not_a_lead_database_is_refused_and_leaves_nothing_behind()
    {
        var other = Path.Combine(_folder, "other.db");
        using (var db = new SqliteConnection($"Data Source={other};Pooling=False"))
        {
            db.Open();
            db.Execute("CREATE TABLE messages (id INTEGER)");
        }

        var folder = Path.Combine(_folder, "backups");

        Assert.Multiple(() =>
        {
            Assert.That(() => DatabaseBackup.Take(new SqliteConnectionFactory($"Data Source={other}"), folder),
                Throws.TypeOf<BackupCheckException>().With.Message.Contains("is not a LeadTracker database (no messages and contacts tables)"));
            Assert.That(Directory.GetFiles(folder), Is.Empty);
        });
    }

    [Test]
    public void A_copy_that_fails_the_integrity_check_is_named_with_its_problem()
    {
        var broken = Path.Combine(_folder, "broken.db");
        using (var db = new SqliteConnection($"Data Source={broken};Pooling=False"))
        {
            db.Open();
            db.Execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, v TEXT); CREATE TABLE contacts (id INTEGER); CREATE INDEX ix_v ON messages (v);");
            db.Execute("INSERT INTO messages (v) VALUES ('a'), ('b')");
            // Rewrite the table behind its index's back: the index no longer matches the rows.
            db.Execute("PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = 'CREATE INDEX ix_v ON messages (id)' WHERE name = 'ix_v'; PRAGMA writable_schema = OFF;");
        }

        using var reopened = new SqliteConnection($"Data Source={broken};Pooling=False");
        reopened.Open();
        Assert.That(() => DatabaseBackup.Check(reopened, "broken.db"),
            Throws.TypeOf<BackupCheckException>().With.Message.EqualTo(
                "broken.db fails SQLite's integrity check: row 1 missing from index ix_v; row 2 missing from index ix_v"));
    }

    [Test]
    public void Backups_are_listed_oldest_first_and_pruning_keeps_the_newest()
    {
        var folder = Path.Combine(_folder, "backups");
        Assert.That(DatabaseBackup.List(folder), Is.Empty, "no folder yet");
        Directory.CreateDirectory(folder);
        string[] names =
        [
            "leadtracker-20261207T120000.000Z.db", "leadtracker-20261205T120000.000Z.db", "leadtracker-20261206T120000.000Z.db",
            "leadtracker-20261204T120000.000Z.db", "other.db", ".leadtracker-20261208T120000.000Z.db.partial",
        ];
        foreach (var name in names) File.WriteAllText(Path.Combine(folder, name), name);

        var listed = DatabaseBackup.List(folder).Select(Path.GetFileName).ToArray();
        var nothing = DatabaseBackup.Prune(folder, keep: 4);
        var pruned = DatabaseBackup.Prune(folder, keep: 2).Select(Path.GetFileName).ToArray();

        Assert.Multiple(() =>
        {
            Assert.That(listed, Is.EqualTo(new[]
            {
                "leadtracker-20261204T120000.000Z.db", "leadtracker-20261205T120000.000Z.db",
                "leadtracker-20261206T120000.000Z.db", "leadtracker-20261207T120000.000Z.db",
            }));
            Assert.That(nothing, Is.Empty);
            Assert.That(pruned, Is.EqualTo(new[] { "leadtracker-20261204T120000.000Z.db", "leadtracker-20261205T120000.000Z.db" }));
            Assert.That(Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal), Is.EqualTo(new[]
            {
                ".leadtracker-20261208T120000.000Z.db.partial", "leadtracker-20261206T120000.000Z.db",
                "leadtracker-20261207T120000.000Z.db", "other.db",
            }));
        });
    }

    [Test]
    public void A_backups_name_is_its_utc_time_to_the_millisecond() =>
        Assert.That(DatabaseBackup.FileName(new DateTimeOffset(2026, 12, 7, 16, 15, 0, 123, TimeSpan.FromHours(2))),
            Is.EqualTo("leadtracker-20261207T141500.123Z.db"));

    [Test]
    public void Workers_share_the_lock_and_a_restore_needs_it_alone()
    {
        var database = Path.Combine(_folder, "data", "leads.db");

        var worker = DatabaseLock.Shared(database);
        var second = DatabaseLock.Shared(database);
        Assert.Multiple(() =>
        {
            Assert.That(File.Exists(Path.Combine(_folder, "data", "leads.db.lock")));
            Assert.That(DatabaseLock.PathFor(database), Is.EqualTo(Path.Combine(_folder, "data", "leads.db.lock")));
            Assert.That(() => DatabaseLock.Exclusive(database), Throws.TypeOf<DatabaseLockedException>()
                .With.Message.EqualTo($"{database}.lock is locked: a worker is running on it (or another restore): stop the worker first"));
        });
        worker.Dispose();
        second.Dispose();

        using (DatabaseLock.Exclusive(database))
        {
            Assert.That(() => DatabaseLock.Shared(database), Throws.TypeOf<DatabaseLockedException>()
                .With.Message.EqualTo($"{database}.lock is locked: a restore is replacing it: start the worker again once it is done"));
        }

        Assert.That(() => DatabaseLock.Shared(database).Dispose(), Throws.Nothing, "released with its holder");
    }

    [Test]
    public void An_operators_verb_opens_only_an_existing_lead_database_and_says_why_not_in_one_line()
    {
        var missing = Path.Combine(_folder, "missing.db");
        var plain = Path.Combine(_folder, "plain.db");
        var garbage = Path.Combine(_folder, "garbage.db");
        var leads = Path.Combine(_folder, "leads.db");
        using (var db = new SqliteConnection($"Data Source={plain};Pooling=False"))
        {
            db.Open();
            db.Execute("CREATE TABLE t (x INTEGER)");
        }

        File.WriteAllText(garbage, new string('x', 4096));
        DatabaseMigrator.Migrate(new SqliteConnectionFactory($"Data Source={leads}"), NullLogger.Instance);

        string? Why(string path)
        {
            using var error = new StringWriter();
            return LeadDatabase.Check(LeadDatabase.ReadOnly($"Data Source={path}"), error) ? null : error.ToString();
        }

        Assert.Multiple(() =>
        {
            Assert.That(Why(missing), Is.EqualTo($"No lead database at {missing}: check ConnectionStrings__Leads (the worker creates it at start; `migrate` creates it now).{Environment.NewLine}"));
            Assert.That(File.Exists(missing), Is.False, "checking does not create it");
            Assert.That(Why(plain), Is.EqualTo($"{plain} is not a LeadTracker database (no contacts table): check ConnectionStrings__Leads, or run `migrate` on it.{Environment.NewLine}"));
            Assert.That(Why(garbage), Does.StartWith($"{garbage} cannot be read as a LeadTracker database: "));
            Assert.That(Why(leads), Is.Null);
        });
    }

    [Test]
    public void Read_only_connections_cannot_write_and_read_write_ones_cannot_create()
    {
        var leads = Path.Combine(_folder, "leads.db");
        DatabaseMigrator.Migrate(new SqliteConnectionFactory($"Data Source={leads}"), NullLogger.Instance);
        var readOnly = LeadDatabase.ReadOnly($"Data Source={leads}");
        var readWrite = LeadDatabase.ReadWrite($"Data Source={leads}");

        Assert.Multiple(() =>
        {
            Assert.That(new SqliteConnectionStringBuilder(readOnly.ConnectionString).DefaultTimeout, Is.EqualTo(10), "a verb waits out a commit");
            Assert.That(new SqliteConnectionStringBuilder(LeadDatabase.ReadOnly($"Data Source={leads};Default Timeout=3").ConnectionString).DefaultTimeout,
                Is.EqualTo(3), "a timeout given is kept");
            using (var db = readOnly.Open())
                Assert.That(() => db.Execute("UPDATE workspaces SET display_name = 'x'"), Throws.TypeOf<SqliteException>());
            using (var db = readWrite.Open())
                Assert.That(db.Execute("UPDATE workspaces SET display_name = 'x'"), Is.Zero);
            Assert.That(() => LeadDatabase.ReadWrite($"Data Source={Path.Combine(_folder, "new.db")}").Open().Dispose(),
                Throws.TypeOf<SqliteException>());
        });
    }

    [Test]
    public void A_published_file_is_whole_under_its_final_name_and_never_replaces_one()
    {
        var temporary = Path.Combine(_folder, ".next.partial");
        var final = Path.Combine(_folder, "next.db");
        File.WriteAllText(temporary, "first");
        DurableFile.Publish(temporary, final);
        File.WriteAllText(temporary, "second");

        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(final), Is.EqualTo("first"));
            Assert.That(() => DurableFile.Publish(temporary, final), Throws.InstanceOf<IOException>());
            Assert.That(File.ReadAllText(final), Is.EqualTo("first"));
            Assert.That(File.ReadAllText(temporary), Is.EqualTo("second"));
            Assert.That(() => DurableFile.SyncFolder(Path.Combine(_folder, "no-such-folder")),
                Throws.InstanceOf<IOException>().With.Message.StartsWith($"cannot open {Path.Combine(_folder, "no-such-folder")} to sync it (errno "));
            Assert.That(() => DurableFile.SyncFolder(_folder), Throws.Nothing);
        });
    }

    private static string ScriptFile(string name) => name[(name.IndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
}
