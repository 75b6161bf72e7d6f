using System.Text.Json.Nodes;
using Dapper;
using LeadTracker.Tests.Support;
using Microsoft.Data.Sqlite;
using LeadTracker.Worker.Reconcile;

namespace LeadTracker.Tests;

/// <summary>The times reconcile takes, and what it says when it is misused: one line, a non-zero exit, no stack trace.</summary>
[TestFixture]
public sealed class ReconcileCommandTests
{
    private const string Number = "110000000000901";
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [TestCase("90m", "2026-03-01T10:30:00Z")]
    [TestCase("6h", "2026-03-01T06:00:00Z")]
    [TestCase("2d", "2026-02-27T12:00:00Z")]
    [TestCase("1w", "2026-02-22T12:00:00Z")]
    [TestCase("45s", "2026-03-01T11:59:15Z")]
    [TestCase("2026-01-15T10:00:00Z", "2026-01-15T10:00:00Z")]
    [TestCase("2026-01-15T10:00:00-03:00", "2026-01-15T13:00:00Z")]
    [TestCase("2026-01-15T10:00:00", "2026-01-15T10:00:00Z")]
    [TestCase("2026-01-15", "2026-01-15T00:00:00Z")]
    public void Instants_are_ISO_8601_or_a_duration_back_from_now(string text, string expected)
    {
        Assert.That(ReconcileTime.TryParseInstant(text, Now, out var instant), Is.True);
        Assert.That(instant, Is.EqualTo(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [TestCase("")]
    [TestCase("yesterday")]
    [TestCase("90")]
    [TestCase("-2d")]
    [TestCase("2 d")]
    [TestCase("1.5h")]
    [TestCase("99999999999d")]
    [TestCase("Jan 5 2026")]
    [TestCase("2026-13-45T10:00:00Z")]
    public void Anything_else_is_refused(string text) =>
        Assert.That(ReconcileTime.TryParseInstant(text, Now, out _), Is.False);

    [Test]
    public void A_lookback_of_zero_is_none()
    {
        Assert.That(ReconcileTime.TryParseDuration("0", out var none), Is.True);
        Assert.That(none, Is.EqualTo(TimeSpan.Zero));
        Assert.That(ReconcileTime.TryParseDuration("7d", out var week), Is.True);
        Assert.That(week, Is.EqualTo(TimeSpan.FromDays(7)));
    }

    [TestCase(new[] { "--json" }, "--since is required")]
    [TestCase(new[] { "--since", "last tuesday" }, "--since 'last tuesday' is not")]
    [TestCase(new[] { "--since", "2h", "--until", "3h" }, "must be before --until")]
    [TestCase(new[] { "--since", "2h", "--until", "soon" }, "--until 'soon' is not")]
    [TestCase(new[] { "--since", "2h", "--status-lookback", "a week" }, "--status-lookback 'a week' is not")]
    [TestCase(new[] { "--since", "2h" }, "no workspaces yet")]
    public async Task Misuse_is_one_line_and_a_non_zero_exit(string[] args, string says)
    {
        using var db = new TempDatabase();
        var (code, stdout, stderr) = await ReconcileCli.RunAsync(db.FilePath, new Uri("http://127.0.0.1:9"), "some-key", args);
        AssertOneLine(code, stdout, stderr, says);
    }

    [Test]
    public async Task Without_a_key_it_says_which_setting_is_missing()
    {
        using var db = new TempDatabase();
        var (code, stdout, stderr) = await ReconcileCli.RunAsync(db.FilePath, new Uri("http://127.0.0.1:9"), apiKey: null, "--since", "2h");
        AssertOneLine(code, stdout, stderr, "LeadTracker__Kapso__ApiKey is not set");
    }

    [Test]
    public async Task A_refused_key_stops_with_exit_1_and_one_line()
    {
        await using var api = await FakeKapsoApi.StartAsync();
        using var db = new TempDatabase();
        var (code, stdout, stderr) = await ReconcileCli.RunAsync(db.FilePath, api.BaseUrl, "not-the-key",
            "--since", "2h", "--workspace", "110000000000901");
        Assert.That(code, Is.EqualTo(1));
        AssertOneLine(code, stdout, stderr, "refused the API key");
    }

    [Test]
    public async Task A_malformed_page_stops_with_exit_1_keeping_the_pages_before_it_and_a_rerun_finishes_the_job()
    {
        await using var api = await FakeKapsoApi.StartAsync();
        using var db = new TempDatabase();
        for (var i = 0; i < 250; i++)
        {
            api.Store(Number, new JsonObject
            {
                ["id"] = $"wamid.CLI{i:D4}", ["timestamp"] = (1_768_471_200 + i).ToString(System.Globalization.CultureInfo.InvariantCulture), ["type"] = "text", ["from"] = $"1555030{i % 50:D4}",
                ["text"] = new JsonObject { ["body"] = "hello" },
                ["kapso"] = new JsonObject { ["direction"] = "inbound", ["status"] = "delivered" },
            }, DateTimeOffset.UtcNow.AddMinutes(-30).AddSeconds(i));
        }

        api.MalformPage(2);
        var (code, stdout, stderr) = await ReconcileCli.RunAsync(db.FilePath, api.BaseUrl, FakeKapsoApi.ApiKey,
            "--since", "1h", "--workspace", Number, "--status-lookback", "0");
        Assert.That(code, Is.EqualTo(1));
        AssertOneLine(code, stdout, stderr, "page 2");
        Assert.That(Messages(db), Is.EqualTo(100), "page 1 stays applied");
        Assert.That(stderr, Does.Contain("100 read, 100 inserted"), "says what it applied before stopping");

        api.MalformPage(0);
        (code, stdout, stderr) = await ReconcileCli.RunAsync(db.FilePath, api.BaseUrl, FakeKapsoApi.ApiKey,
            "--since", "1h", "--workspace", Number, "--status-lookback", "0");
        Assert.That(code, Is.Zero, stderr);
        // The 150 older messages move no lead's times: every lead already had a newer message from page 1.
        Assert.That(stdout, Is.EqualTo("reconcile: 250 read, 150 inserted, 0 updated, 100 unchanged, 0 leads changed"));
        Assert.That(Messages(db), Is.EqualTo(250));
    }

    [Test]
    public async Task Check_webhooks_lists_each_and_names_the_inactive_one_and_reenable_switches_it_on()
    {
        await using var api = await FakeKapsoApi.StartAsync();
        using var db = new TempDatabase();
        api.StoreWebhook(Number, new JsonObject { ["id"] = "wh-live", ["url"] = "https://leads.example/webhooks/kapso", ["active"] = true, ["events"] = new JsonArray("whatsapp.message.received") });
        api.StoreWebhook(Number, new JsonObject { ["id"] = "wh-paused", ["url"] = "https://leads.example/webhooks/kapso", ["active"] = false, ["events"] = new JsonArray("whatsapp.message.sent") });

        var check = await ReconcileCli.RunAsync(db.FilePath, api.BaseUrl, FakeKapsoApi.ApiKey, "--check-webhooks", "--workspace", Number);
        Assert.That(check.Code, Is.Zero, check.Stderr);
        Assert.That(check.Stdout, Does.Contain("wh-paused INACTIVE").And.Contain("wh-live active").And.Contain("webhooks: 2 listed, 1 inactive"));
        Assert.That(api.WebhookActive(Number, "wh-paused"), Is.False, "checking changes nothing");

        var reenable = await ReconcileCli.RunAsync(db.FilePath, api.BaseUrl, FakeKapsoApi.ApiKey, "--reenable-webhooks", "--workspace", Number);
        Assert.That(reenable.Code, Is.Zero, reenable.Stderr);
        Assert.That(reenable.Stdout, Does.Contain("1 re-enabled"));
        Assert.That(api.WebhookActive(Number, "wh-paused"), Is.True);
    }

    private static long Messages(TempDatabase db)
    {
        using var connection = new SqliteConnection($"Data Source={db.FilePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return connection.ExecuteScalar<long>("SELECT COUNT(*) FROM messages");
    }

    private static void AssertOneLine(int code, string stdout, string stderr, string says)
    {
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.Not.Zero);
            Assert.That(stdout, Is.Empty);
            Assert.That(stderr.Split('\n'), Has.Length.EqualTo(1), stderr);
            Assert.That(stderr, Does.StartWith("reconcile: ").And.Contain(says));
            Assert.That(stderr, Does.Not.Contain("   at "), "no stack trace");
        });
    }
}
