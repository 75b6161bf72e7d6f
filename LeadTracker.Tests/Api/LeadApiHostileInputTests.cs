using System.Net;
using System.Text.Json.Nodes;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests.Api;

/// <summary>
/// Issue 17, item 2 on the read API: search text is bounded and literal, and no database error text reaches a
/// client (a generic 503 with a trace id; the reason in one log line without a stack trace).
/// </summary>
[TestFixture]
public sealed class LeadApiHostileInputTests
{
    private TempDatabase _db = null!;
    private LeadApiHost _api = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _db = await LeadSeed.CreateAsync();
        _api = await LeadApiHost.StartAsync(_db.ConnectionString);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _api.DisposeAsync();
        _db.Dispose();
    }

    [TestCase("abc%00", TestName = "A search with a NUL is 400, not SQLite's error")]
    [TestCase("ma%0Aria", TestName = "A search with a line break is 400")]
    [TestCase("%07bell", TestName = "A search with a BEL is 400")]
    [TestCase("%1B%5B2J", TestName = "A search with an escape sequence is 400")]
    public async Task Control_characters_in_a_search_are_400_with_a_problem_naming_search(string escaped)
    {
        using var response = await _api.Http.GetAsync("/api/leads?search=" + escaped);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest), body);
            Assert.That(JsonNode.Parse(body)!["errors"]!["search"]!.ToJsonString(), Does.Contain("control characters"));
            Assert.That(body, Does.Not.Contain("SQLite"));
            Assert.That(_api.Logs.Logs.Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error), Is.Empty);
        });
    }

    [TestCase("%")]
    [TestCase("_")]
    [TestCase("\\")]
    [TestCase("%%")]
    [TestCase("_a")]
    public async Task Like_wildcards_in_a_short_search_are_literal_and_find_nobody(string text)
    {
        using var all = await _api.Http.GetAsync("/api/leads/recent?limit=1000");
        Assert.That(JsonNode.Parse(await all.Content.ReadAsStringAsync())!["leads"]!.AsArray(), Is.Not.Empty, "the seed has leads");

        using var response = await _api.Http.GetAsync("/api/leads?search=" + Uri.EscapeDataString(text));
        var body = await response.Content.ReadAsStringAsync();

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), body);
        Assert.That(JsonNode.Parse(body)!["leads"]!.AsArray(), Is.Empty, "no seeded name holds a " + text);
    }

    [Test]
    public async Task A_database_error_is_a_generic_503_with_a_trace_id_and_one_log_line_without_a_stack_trace()
    {
        // An empty file is a valid SQLite database without our tables: every read fails inside SQLite.
        using var empty = new TempDatabase();
        File.WriteAllBytes(empty.FilePath, []);
        await using var broken = await LeadApiHost.StartAsync(empty.ConnectionString);

        using var response = await broken.Http.GetAsync("/api/leads?search=maria");
        var body = await response.Content.ReadAsStringAsync();

        var failures = broken.Logs.Logs.Where(l => l.EventId.Id == 4002).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), body);
            Assert.That(body, Does.Not.Contain("SQLite").And.Not.Contain("no such table").And.Not.Contain("contacts"));
            Assert.That((string?)JsonNode.Parse(body)!["traceId"], Is.Not.Empty);
            Assert.That(failures, Has.Count.EqualTo(1));
            Assert.That(failures[0].Message, Does.Contain("no such table").And.Contain((string?)JsonNode.Parse(body)!["traceId"]));
            Assert.That(failures[0].Text, Does.Not.Contain("   at "), "one line: no stack trace");
        });
    }
}
