using System.Text.Json;
using Dapper;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Alerts;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using static LeadTracker.Tests.Alerts.AlertLeadEvents;

namespace LeadTracker.Tests.Alerts;

/// <summary><c>alerts list|test|replay</c> as an operator runs them: the worker executable, a real SQLite file, a real receiver.</summary>
[TestFixture]
public sealed class AlertsCommandTests
{
    [Test]
    public async Task List_test_and_replay_do_what_their_help_says_and_misuse_is_one_line()
    {
        await using var receiver = new AlertReceiver();
        await receiver.StartAsync();
        using var db = new TempDatabase();
        var options = new AlertOptions { Endpoints = { new AlertEndpointOptions { Url = receiver.Url.AbsoluteUri, Secret = receiver.Secret } } };
        var now = DateTimeOffset.UtcNow;
        await db.Store().ApplyAsync([TheyWrote("+15550800001", "w.cli.1", now.AddMinutes(-40), "Bea"), TheyWrote("+15550800002", "w.cli.2", now.AddMinutes(-50))], CancellationToken.None);
        new AlertScan(db.Connections, NullLogger.Instance).Run(now, options, AlertEndpoint.From(options), new HashSet<string>());
        string failedId;
        using (var connection = db.Connections.Open())
        {
            failedId = connection.ExecuteScalar<string>("SELECT id FROM alerts WHERE inbound_wamid = 'w.cli.2'")!;
            connection.Execute("UPDATE alert_deliveries SET status = 'failed', attempts = 1, last_result = 'HTTP 400 (not retried)' WHERE alert_id = @failedId", new { failedId });
        }

        SqliteConnection.ClearAllPools();

        var all = await Cli(db, receiver, "alerts", "list", "--json");
        var pending = await Cli(db, receiver, "alerts", "list", "--pending");
        var both = await Cli(db, receiver, "alerts", "list", "--pending", "--failed");
        var sample = await Cli(db, receiver, "alerts", "test", "--endpoint", "0");
        var noSuchEndpoint = await Cli(db, receiver, "alerts", "test", "--endpoint", "3");
        var unknown = await Cli(db, receiver, "alerts", "replay", "alert_nope");
        var replay = await Cli(db, receiver, "alerts", "replay", failedId);
        var help = await Cli(db, receiver, "alerts", "replay", "--help");
        using var after = db.Connections.Open();
        var replayed = after.QuerySingle<(string Status, long Attempts)>("SELECT status, attempts FROM alert_deliveries WHERE alert_id = @failedId", new { failedId });
        var rows = JsonDocument.Parse(all.Stdout).RootElement.EnumerateArray().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(all.ExitCode, Is.Zero, all.Output);
            Assert.That(rows.Select(r => r.GetProperty("status").GetString()), Is.EquivalentTo(new[] { "pending", "failed" }));
            Assert.That(rows.Select(r => r.GetProperty("endpoint").GetString()).Distinct(), Is.EqualTo(new[] { $"0 ({receiver.Url.Host}:{receiver.Url.Port})" }));
            Assert.That(pending.Stdout, Does.Contain("Bea").And.Contain("1 delivery"), pending.Output);
            Assert.That(both.ExitCode, Is.EqualTo(2));
            Assert.That(both.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1), both.Stderr);
            Assert.That(both.Stderr, Does.Contain("--pending and --failed exclude each other"));
            Assert.That(sample.ExitCode, Is.Zero, sample.Output);
            Assert.That(receiver.Requests.Single().Verified, Is.True, "the sample is signed with the endpoint's secret");
            Assert.That(receiver.Requests.Single().Id, Does.StartWith("alert_test_"));
            Assert.That(noSuchEndpoint.ExitCode, Is.EqualTo(2));
            Assert.That(noSuchEndpoint.Stderr.Trim(), Is.EqualTo("No endpoint 3: endpoints 0 to 0 are configured."));
            Assert.That(unknown.ExitCode, Is.EqualTo(1));
            Assert.That(unknown.Stderr.Trim().Split('\n'), Has.Length.EqualTo(1), unknown.Stderr);
            Assert.That(replay.ExitCode, Is.Zero, replay.Output);
            Assert.That(replayed, Is.EqualTo(("pending", 0L)), "replay sets the delivery pending again");
            Assert.That(help.Stdout, Does.Contain("lead database").And.Contain("same id"));
        });
    }

    private static Task<ProgramRun> Cli(TempDatabase db, AlertReceiver receiver, params string[] args) =>
        ProgramRun.RunAsync("dotnet", [RepoPaths.ServiceDll("LeadTracker.Worker"), .. args], TimeSpan.FromSeconds(60),
            new Dictionary<string, string?>
            {
                ["ConnectionStrings__Leads"] = $"Data Source={db.FilePath}",
                ["LeadTracker__Alerts__Endpoints__0__Url"] = receiver.Url.AbsoluteUri,
                ["LeadTracker__Alerts__Endpoints__0__Secret"] = receiver.Secret,
            });
}
