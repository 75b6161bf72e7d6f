using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// The worker's command line cannot hurt: nothing consumes without <c>run</c>, and every misuse (no verb, an
/// unknown word, a bad option value, a bad or missing setting, a database that cannot open) is one line on
/// stderr and a non-zero exit, never a stack trace, and touches no database. The real executable, in an empty
/// folder (where the default database would be created).
/// </summary>
[TestFixture]
public sealed class CliMisuseTests
{
    private static readonly object[] WorkerCases =
    [
        new object[] { "", "", 2, "no command given" },
        new object[] { "leads", "", 2, "leadtracker leads: no command given; choose one of: stale, follow-up, recent" },
        new object[] { "consume", "", 2, "Unrecognized command or argument 'consume'" },
        new object[] { "leads stale --days abc", "", 2, "'--days'" },
        new object[] { "leads stale --since 3", "", 2, "'--since'" },
        new object[] { "leads stale --days -5", "", 2, "--days must be 0 or more" },
        new object[] { "leads recent --limit 0", "", 2, "--limit must be 1 or more" },
        new object[] { "leads follow-up --limit -1", "", 2, "--limit must be 1 or more" },
        new object[] { "run --now", "", 2, "'--now'" },
        new object[] { "run", "LeadTracker__RabbitMq__Port=0", 2, "invalid configuration" },
        new object[] { "run", "LeadTracker__RabbitMq__Port=abc", 2, "LeadTracker:RabbitMq:Port" },
        new object[] { "run", "LeadTracker__Worker__PrefetchCount=0", 2, "PrefetchCount" },
        new object[] { "run", "LeadTracker__Worker__ShutdownTimeout=soon", 2, "LeadTracker:Worker:ShutdownTimeout" },
        new object[] { "run", "LeadTracker__Worker__HealthUrls=http://+:8081", 2, "LeadTracker__Worker__HealthUrls is no longer read: rename it LeadTracker__Worker__Urls" },
        // Every verb takes its options from the registration `run` uses (WorkerServices), validated the same way.
        new object[] { "migrate", "LeadTracker__Worker__WalCheckpointPages=5", 2, "invalid configuration" },
        new object[] { "leads recent", "LeadTracker__Worker__Durability=Sometimes", 2, "LeadTracker:Worker:Durability" },
        new object[] { "errors list", "LeadTracker__RabbitMq__Hosts=broker:0", 2, "invalid configuration" },
        new object[] { "migrate", "ConnectionStrings__Leads=Data Source=/proc/leadtracker/leads.db", 1, "/proc/leadtracker" },
        new object[] { "leads recent", "ConnectionStrings__Leads=Data Source=/proc/leadtracker/leads.db", 1, "/proc/leadtracker" },
        new object[] { "backup", "", 2, "Option '--to' is required" },
        new object[] { "restore", "", 2, "Option '--from' is required" },
        new object[] { "backup --to backups", "ConnectionStrings__Leads=Data Source=/proc/leadtracker/leads.db", 1, "No lead database at /proc/leadtracker" },
        new object[] { "restore --from missing.db", "", 1, "restore: no file at" },
    ];

    [TestCaseSource(nameof(WorkerCases))]
    public async Task A_worker_misuse_is_one_line_and_a_non_zero_exit(string args, string environment, int exitCode, string says)
    {
        var (code, stdout, stderr, folder) = await RunAsync("LeadTracker.Worker", args, environment);

        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(exitCode), $"exit code\n{stdout}\n{stderr}");
            Assert.That(lines, Has.Length.EqualTo(1), "one line on stderr");
            Assert.That(stderr, Does.Contain(says));
            Assert.That(stdout + stderr, Does.Not.Contain("   at ").And.Not.Contain("Unhandled exception"), "no stack trace");
            Assert.That(Directory.GetFiles(folder), Is.Empty, "no database created");
        });
    }

    [Test]
    public async Task No_verb_prints_the_help_and_starts_nothing()
    {
        var (code, stdout, _, _) = await RunAsync("LeadTracker.Worker", "", "");

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2));
            Assert.That(stdout, Does.Contain("Usage:").And.Contain("run").And.Contain("leads"));
        });
    }

    [TestCase("LeadTracker__Kapso__WebhookSecret=", "LeadTracker:Kapso:WebhookSecret is required")]
    [TestCase("LeadTracker__Spool__MaxEvents=0", "MaxEvents")]
    [TestCase("LeadTracker__RabbitMq__Port=abc", "LeadTracker:RabbitMq:Port")]
    public async Task An_ingress_with_a_bad_setting_says_so_in_one_line_and_exits_2(string environment, string says)
    {
        var (code, stdout, stderr, _) = await RunAsync("LeadTracker.Ingress", "--urls http://127.0.0.1:0", environment);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2), $"{stdout}\n{stderr}");
            Assert.That(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(1), "one line on stderr");
            Assert.That(stderr, Does.Contain(says));
            Assert.That(stdout + stderr, Does.Not.Contain("   at "), "no stack trace");
        });
    }

    /// <summary>Runs an app's built dll in a fresh empty folder with <c>KEY=value</c> settings; 30 s at most.</summary>
    private static async Task<(int Code, string Stdout, string Stderr, string Folder)> RunAsync(string project, string args, string environment)
    {
        var folder = Path.Combine(Path.GetTempPath(), "leadtracker-tests", "cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        var settings = new Dictionary<string, string?>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["LeadTracker__Kapso__WebhookSecret"] = KapsoFixtures.Secret,
        };
        if (environment.Length > 0)
        {
            var (key, value) = (environment[..environment.IndexOf('=', StringComparison.Ordinal)], environment[(environment.IndexOf('=', StringComparison.Ordinal) + 1)..]);
            settings[key] = value;
        }

        try
        {
            var run = await ProgramRun.RunAsync("dotnet", [RepoPaths.ServiceDll(project), .. args.Split(' ', StringSplitOptions.RemoveEmptyEntries)],
                TimeSpan.FromSeconds(30), settings, folder);
            return (run.ExitCode, run.Stdout, run.Stderr, folder);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{project} {args} still running after 30 s: it should have refused to start");
            throw;
        }
    }
}
