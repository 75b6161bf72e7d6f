using System.Text.Json;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// Catch-up end to end, real parts only: webhooks posted to the ingress process for a while, then the ingress is
/// stopped and the rest of the stretch is never delivered (but Kapso's API, a fake on loopback, holds it), then
/// <c>reconcile</c> as a CLI process, or the worker's own catch-up, must leave the same lead rows as a run where
/// every webhook arrived.
/// </summary>
[TestFixture]
[Category("Integration")]
[NonParallelizable]
public sealed class ReconcilePipelineTests
{
    private FakeKapsoApi _api = null!;
    private CatchUpScenario _scenario = null!;
    private string _everyWebhook = null!;
    private string[] _workerWithoutKey = null!;

    /// <summary>The reference: every happening's webhook delivered, in order, to one system.</summary>
    [OneTimeSetUp]
    public async Task EveryWebhookArrives()
    {
        _api = await FakeKapsoApi.StartAsync();
        _scenario = new CatchUpScenario(DateTimeOffset.UtcNow);
        foreach (var (id, conversation) in _scenario.Conversations) _api.StoreConversation(id, conversation);

        await using var system = await LeadTrackerSystem.StartAsync("catchup-all");
        foreach (var happening in _scenario.Happenings)
        {
            _api.Store(CatchUpScenario.PhoneNumberId, happening.ApiItem, happening.StoredAt);
            await PostAsync(system, happening);
        }

        await WaitForSyncLinesAsync(system, _scenario.Happenings.Count);
        _everyWebhook = LeadRows.Snapshot(system.OpenDatabase());
        _workerWithoutKey = system.Worker.Output.ToArray();
    }

    [OneTimeTearDown]
    public async Task StopApi() => await _api.DisposeAsync();

    [Test]
    public async Task Reconcile_after_an_outage_gives_the_rows_of_a_run_where_every_webhook_arrived_and_a_rerun_changes_nothing()
    {
        await using var system = await LeadTrackerSystem.StartAsync("catchup-cli");
        var delivered = await DeliverUntilOutageAsync(system);

        var first = await ReconcileAsync(system, "--since", "1h", "--json");
        TestContext.Out.WriteLine($"delivered {delivered} of {_scenario.Happenings.Count} webhooks; reconcile: {first.RootElement}");
        Assert.That(LeadRows.Snapshot(system.OpenDatabase()), Is.EqualTo(_everyWebhook));

        var second = await ReconcileAsync(system, "--since", "1h", "--json");
        Assert.Multiple(() =>
        {
            Assert.That(Count(first, "inserted"), Is.GreaterThan(0), "the stretch the ingress never saw");
            Assert.That(Count(first, "updated"), Is.GreaterThan(0), "statuses that moved during the stretch");
            Assert.That(Count(first, "leadsChanged"), Is.GreaterThan(0));
            Assert.That(Count(second, "read"), Is.EqualTo(Count(first, "read")));
            Assert.That(Count(second, "inserted"), Is.Zero);
            Assert.That(Count(second, "updated"), Is.Zero);
            Assert.That(Count(second, "leadsChanged"), Is.Zero);
        });
        Assert.That(LeadRows.Snapshot(system.OpenDatabase()), Is.EqualTo(_everyWebhook));
    }

    [Test]
    public async Task The_workers_own_catch_up_gives_the_rows_of_a_run_where_every_webhook_arrived()
    {
        await using var system = await LeadTrackerSystem.StartAsync("catchup-auto", new Dictionary<string, string>
        {
            ["LeadTracker__Kapso__ApiKey"] = FakeKapsoApi.ApiKey,
            ["LeadTracker__Kapso__ApiBaseUrl"] = _api.BaseUrl.ToString(),
            ["LeadTracker__Reconcile__Interval"] = "00:00:02",
        });
        await DeliverUntilOutageAsync(system);

        await system.WaitUntilAsync(() => LeadRows.Snapshot(system.OpenDatabase()) == _everyWebhook, TimeSpan.FromSeconds(90),
            "the worker's catch-up to give the rows of the run where every webhook arrived");
        // The rows match as soon as the run's last write commits, a moment before the run records its result; the
        // result line comes after the record, so the health JSON below is that run's.
        var runsSoFar = system.Worker.Output.Count(l => l.Contains("[Reconcile] catch-up ", StringComparison.Ordinal));
        await system.WaitUntilAsync(
            () => system.Worker.Output.Count(l => l.Contains("[Reconcile] catch-up ", StringComparison.Ordinal)) > runsSoFar,
            TimeSpan.FromSeconds(30), "the catch-up run that gave those rows to finish");

        using var http = new HttpClient();
        using var health = JsonDocument.Parse(await http.GetStringAsync(system.Worker.Health));
        var catchUp = health.RootElement.GetProperty("catchUp");
        TestContext.Out.WriteLine(health.RootElement.ToString());
        Assert.Multiple(() =>
        {
            Assert.That(health.RootElement.GetProperty("status").GetString(), Is.EqualTo("Healthy"));
            Assert.That(catchUp.GetProperty("enabled").GetBoolean(), Is.True);
            Assert.That(catchUp.GetProperty("result").GetString(), Is.EqualTo("ok"));
            Assert.That(catchUp.GetProperty("lastRunAt").GetDateTimeOffset(), Is.GreaterThan(DateTimeOffset.UtcNow.AddMinutes(-1)));
            Assert.That(catchUp.GetProperty("lagSeconds").GetDouble(), Is.LessThan(60));
            Assert.That(system.Worker.Output.Any(l => l.Contains("[Reconcile] catch-up ok", StringComparison.Ordinal)), Is.True);
        });
    }

    [Test]
    public void Without_a_key_the_worker_says_once_that_catch_up_is_off_and_warns_of_nothing()
    {
        Assert.That(_workerWithoutKey.Count(l => l.Contains("Kapso catch-up is off", StringComparison.Ordinal)), Is.EqualTo(1));
        Assert.That(_workerWithoutKey.Where(l => l.Contains("info:", StringComparison.Ordinal) && l.Contains("catch-up is off", StringComparison.Ordinal)),
            Is.Not.Empty, "an information, not a warning");
        // LeadTracker's own lines (the readiness probe's "bus not started yet" while the tests poll is the host's).
        Assert.That(_workerWithoutKey.Where(l => l.Contains("warn: LeadTracker", StringComparison.Ordinal) || l.Contains("fail: LeadTracker", StringComparison.Ordinal)),
            Is.Empty);
    }

    /// <summary>
    /// Stores every happening in the fake API (Kapso stores each message whatever happens to its webhook) and posts
    /// the first 40 % of the webhooks; then stops the ingress, so the rest are never delivered.
    /// </summary>
    private async Task<int> DeliverUntilOutageAsync(LeadTrackerSystem system)
    {
        var cut = _scenario.Happenings.Count * 4 / 10;
        for (var i = 0; i < _scenario.Happenings.Count; i++)
        {
            var happening = _scenario.Happenings[i];
            _api.Store(CatchUpScenario.PhoneNumberId, happening.ApiItem, happening.StoredAt);
            if (i < cut) await PostAsync(system, happening);
            if (i == cut) await system.Ingress.KillAsync();
        }

        await WaitForSyncLinesAsync(system, cut);
        return cut;
    }

    private static async Task PostAsync(LeadTrackerSystem system, Happening happening)
    {
        using var request = happening.ToRequest();
        using var response = await system.Http.SendAsync(request);
        Assert.That((int)response.StatusCode, Is.EqualTo(200), await response.Content.ReadAsStringAsync());
    }

    private static Task WaitForSyncLinesAsync(LeadTrackerSystem system, int count) =>
        system.WaitUntilAsync(() => system.Worker.Output.Count(l => l.Contains("[Kapso Sync]", StringComparison.Ordinal)) >= count,
            TimeSpan.FromSeconds(60), $"{count} webhooks applied by the worker");

    private async Task<JsonDocument> ReconcileAsync(LeadTrackerSystem system, params string[] args)
    {
        var (code, stdout, stderr) = await ReconcileCli.RunAsync(system.DatabasePath, _api.BaseUrl, FakeKapsoApi.ApiKey, args);
        Assert.That(code, Is.Zero, $"reconcile exited {code}:\n{stderr}");
        return JsonDocument.Parse(stdout);
    }

    private static int Count(JsonDocument summary, string name) => summary.RootElement.GetProperty(name).GetInt32();
}

/// <summary>The worker executable's <c>reconcile</c> verb as its own process, as an operator runs it.</summary>
internal static class ReconcileCli
{
    public static Task<(int Code, string Stdout, string Stderr)> RunAsync(string databasePath, Uri apiBaseUrl,
        string? apiKey, params string[] args) =>
        RunWithSettingsAsync(databasePath, apiBaseUrl, apiKey, new Dictionary<string, string?>(), args);

    /// <param name="settings">More environment variables, such as <c>LeadTracker__Kapso__MaxPageBytes</c>.</param>
    public static async Task<(int Code, string Stdout, string Stderr)> RunWithSettingsAsync(string databasePath, Uri apiBaseUrl,
        string? apiKey, IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        var environment = new Dictionary<string, string?>(settings)
        {
            ["ConnectionStrings__Leads"] = $"Data Source={databasePath}",
            ["LeadTracker__Kapso__ApiBaseUrl"] = apiBaseUrl.ToString(),
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["LeadTracker__Kapso__ApiKey"] = apiKey,
        };
        var run = await ProgramRun.RunAsync("dotnet", [RepoPaths.ServiceDll("LeadTracker.Worker"), "reconcile", .. args],
            TimeSpan.FromMinutes(2), environment);
        return (run.ExitCode, run.Stdout.Trim(), run.Stderr.Trim());
    }
}
