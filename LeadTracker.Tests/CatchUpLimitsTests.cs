using System.Globalization;
using System.Text.Json.Nodes;
using Dapper;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Reconcile;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeadTracker.Tests;

/// <summary>
/// Issue 17, item 6: what a misbehaving Kapso API can cost. A page far above <c>LeadTracker__Kapso__MaxPageBytes</c>
/// is refused without being read whole; a cursor loop of any length ends after one lap; one workspace's failure is
/// reported and the other workspaces still run (their rows and watermarks checked in the SQLite file). Real HTTP:
/// the fake API on loopback; the last test runs <c>reconcile</c> as its own process.
/// </summary>
[TestFixture]
public sealed class CatchUpLimitsTests
{
    private const string Failing = "110000000000901";
    private const string Healthy = "110000000000902";
    private const int Cap = KapsoApiOptions.MinPageBytes;
    private const long HugePage = 128L * 1024 * 1024;

    private FakeKapsoApi _api = null!;

    [SetUp]
    public async Task Start() => _api = await FakeKapsoApi.StartAsync();

    [TearDown]
    public async Task Stop() => await _api.DisposeAsync();

    [TestCase(false, TestName = "A 128 MiB page sent in chunks is refused after the cap")]
    [TestCase(true, TestName = "A page declaring 128 MiB is refused before its body")]
    public void An_oversized_page_is_refused_naming_the_cap_and_the_path_without_being_read_whole(bool declareLength)
    {
        StoreMessages(Failing, 3);
        _api.Oversize(Failing, HugePage, declareLength);
        using var counting = new CountingHandler();

        var e = Assert.ThrowsAsync<KapsoApiException>(() => ReadAllAsync(Failing, counting));
        TestContext.Out.WriteLine($"{e!.Message}\nthe client read {counting.BodyBytes:N0} of {HugePage:N0} bytes");

        Assert.Multiple(() =>
        {
            Assert.That(e.Message, Does.Contain($"more than {Cap} bytes").And.Contain("LeadTracker__Kapso__MaxPageBytes")
                .And.Contain($"/meta/whatsapp/v24.0/{Failing}/messages"));
            // One byte past the cap tells it all; a client that buffers the page (HttpClient's default) reads 128 MiB.
            Assert.That(counting.BodyBytes, Is.LessThanOrEqualTo(declareLength ? 0 : Cap + 1), "bytes of the body the client read");
        });
    }

    [TestCase("A,B", TestName = "An A-B-A cursor loop stops at its third request")]
    [TestCase("A,B,C,D,E", TestName = "A five-cursor loop stops at its sixth request")]
    public void A_cursor_loop_of_any_length_ends_after_one_lap(string cursors)
    {
        var cycle = cursors.Split(',');
        StoreMessages(Failing, 3);
        _api.LoopCursors(Failing, cycle);

        var e = Assert.ThrowsAsync<KapsoApiException>(() => ReadAllAsync(Failing));

        Assert.Multiple(() =>
        {
            Assert.That(e!.Message, Does.Contain("cursor loop").And.Contain(Failing));
            Assert.That(_api.Requests.Count(r => r.Contains("/messages", StringComparison.Ordinal)), Is.EqualTo(cycle.Length + 1),
                $"first page, one request per cursor, then the repeat is seen (the fake gives up after {FakeKapsoApi.LoopGivesUpAfter})");
        });
    }

    [TestCase("404", "answered 404")]
    [TestCase("loop", "cursor loop")]
    [TestCase("oversized", "LeadTracker__Kapso__MaxPageBytes")]
    public async Task One_failing_workspace_is_reported_and_the_next_one_is_still_applied(string failure, string reason)
    {
        using var db = new TempDatabase();
        using (var setup = new SqliteConnection(db.ConnectionString + ";Pooling=False"))
        {
            setup.Execute("INSERT INTO workspaces (phone_number_id, created_at) VALUES (@Failing, 0), (@Healthy, 0)", new { Failing, Healthy });
        }

        StoreMessages(Failing, 3);
        StoreMessages(Healthy, 5);
        switch (failure)
        {
            case "404": _api.Refuse(Failing); break;
            case "loop": _api.LoopCursors(Failing, "A", "B"); break;
            default: _api.Oversize(Failing, 4L * 1024 * 1024, declareLength: false); break;
        }

        var (code, stdout, stderr) = await ReconcileCli.RunWithSettingsAsync(db.FilePath, _api.BaseUrl, FakeKapsoApi.ApiKey,
            new Dictionary<string, string?> { ["LeadTracker__Kapso__MaxPageBytes"] = Cap.ToString(CultureInfo.InvariantCulture) },
            "--since", "3h", "--status-lookback", "0");

        using var check = new SqliteConnection(db.ConnectionString + ";Mode=ReadOnly;Pooling=False");
        var messages = check.Query<(string Workspace, long Count)>("""
            SELECT w.phone_number_id, COUNT(m.id) FROM workspaces w LEFT JOIN messages m ON m.workspace_id = w.id
            GROUP BY w.phone_number_id ORDER BY w.phone_number_id
            """).ToDictionary(r => r.Workspace, r => r.Count);
        var watermarks = check.Query<string>(
            "SELECT w.phone_number_id FROM reconcile_watermarks r JOIN workspaces w ON w.id = r.workspace_id").ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1), stderr);
            Assert.That(stdout, Is.Empty);
            Assert.That(stderr.Split('\n'), Has.Length.EqualTo(1), "one line");
            Assert.That(stderr, Does.StartWith($"reconcile: 1 of 2 workspace(s) failed, their watermarks kept: {Failing}: ")
                .And.Contain(reason).And.Contain("(applied: "));
            Assert.That(stderr, Does.Not.Contain(Healthy), "only the failed workspace is named");
            Assert.That(messages[Healthy], Is.EqualTo(5), "the workspace after the failed one was applied");
            // A loop is seen on its third page: the two before it were applied and stay so (a re-run repeats nothing).
            Assert.That(messages[Failing], Is.EqualTo(failure == "loop" ? 3 : 0));
            Assert.That(watermarks, Is.EqualTo(new[] { Healthy }), "the failed workspace's watermark does not move");
        });
    }

    [Test]
    public async Task A_page_cap_below_64_KiB_is_refused_naming_the_setting()
    {
        using var db = new TempDatabase();
        var (code, stdout, stderr) = await ReconcileCli.RunWithSettingsAsync(db.FilePath, _api.BaseUrl, FakeKapsoApi.ApiKey,
            new Dictionary<string, string?> { ["LeadTracker__Kapso__MaxPageBytes"] = "1000" }, "--since", "3h", "--workspace", Healthy);

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2));
            Assert.That(stdout, Is.Empty);
            Assert.That(stderr, Does.StartWith("reconcile: LeadTracker__Kapso__MaxPageBytes must be between").And.EndWith("(not 1000)"));
        });
    }

    private async Task ReadAllAsync(string phoneNumberId, HttpMessageHandler? handler = null)
    {
        using var http = new HttpClient(handler ?? KapsoApiClient.NewHandler(), disposeHandler: handler is null) { Timeout = TimeSpan.FromSeconds(30) };
        var client = new KapsoApiClient(http, Options.Create(new KapsoApiOptions
        {
            ApiKey = FakeKapsoApi.ApiKey, ApiBaseUrl = _api.BaseUrl, MaxPageBytes = Cap,
        }), NullLogger<KapsoApiClient>.Instance);
        await foreach (var _ in client.ListMessagesAsync(phoneNumberId, DateTimeOffset.UtcNow.AddHours(-3), DateTimeOffset.UtcNow,
                           null, CancellationToken.None))
        {
        }
    }

    /// <summary>The client's own handler, counting the bytes of each answer's body that the client reads.</summary>
    private sealed class CountingHandler() : DelegatingHandler(KapsoApiClient.NewHandler())
    {
        private readonly List<CappedStream> _bodies = [];

        /// <summary>Every body's bytes read so far (a cap that cannot be reached: here it only counts).</summary>
        public long BodyBytes
        {
            get
            {
                lock (_bodies) return _bodies.Sum(b => b.Position);
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var body = new CappedStream(await response.Content.ReadAsStreamAsync(cancellationToken), long.MaxValue - 1);
            lock (_bodies) _bodies.Add(body);
            var counted = new StreamContent(body);
            foreach (var (name, values) in response.Content.Headers) counted.Headers.TryAddWithoutValidation(name, values);
            response.Content = counted;
            return response;
        }
    }

    /// <summary>Inbound messages from <paramref name="count"/> different leads, stored in the last hour.</summary>
    private void StoreMessages(string phoneNumberId, int count)
    {
        for (var i = 0; i < count; i++)
        {
            _api.Store(phoneNumberId, new JsonObject
            {
                ["id"] = $"wamid.{phoneNumberId}.{i:D3}",
                ["timestamp"] = DateTimeOffset.UtcNow.AddMinutes(-30 + i).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                ["type"] = "text",
                ["from"] = $"1555{phoneNumberId[^3..]}{i:D4}",
                ["text"] = new JsonObject { ["body"] = "hello" },
                ["kapso"] = new JsonObject { ["direction"] = "inbound", ["status"] = "delivered" },
            }, DateTimeOffset.UtcNow.AddMinutes(-30 + i));
        }
    }
}
