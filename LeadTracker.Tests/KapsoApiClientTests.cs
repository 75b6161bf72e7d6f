using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Reconcile;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace LeadTracker.Tests;

/// <summary>The Kapso API client against the fake API on a real loopback port: paging, 429, 401, bad pages.</summary>
[TestFixture]
public sealed class KapsoApiClientTests
{
    private const string Number = "110000000000901";
    private FakeKapsoApi _api = null!;
    private HttpClient _http = null!;

    [SetUp]
    public async Task Start()
    {
        _api = await FakeKapsoApi.StartAsync();
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    }

    [TearDown]
    public async Task Stop()
    {
        _http.Dispose();
        await _api.DisposeAsync();
    }

    [Test]
    public async Task Follows_the_cursors_over_every_page_newest_first_and_stops_at_the_end()
    {
        var stored = StoreMessages(250);

        var pages = await ReadAllAsync(Client());

        Assert.Multiple(() =>
        {
            Assert.That(pages.Select(p => p.Items.Count), Is.EqualTo(new[] { 100, 100, 50 }));
            Assert.That(pages.SelectMany(p => p.Items).Select(i => i.GetProperty("id").GetString()),
                Is.EqualTo(stored.AsEnumerable().Reverse()), "every message once, newest first");
            Assert.That(_api.Requests.Count(r => r.Contains("after=", StringComparison.Ordinal)), Is.EqualTo(2));
            Assert.That(_api.Requests.First(), Does.Contain("limit=100").And.Contain("fields=kapso(default)").And.Contain("since="));
        });
    }

    [Test]
    public async Task A_full_last_page_ends_at_the_empty_page_after_it()
    {
        StoreMessages(200);

        var pages = await ReadAllAsync(Client());

        Assert.That(pages.Select(p => p.Items.Count), Is.EqualTo(new[] { 100, 100 }));
        Assert.That(_api.Requests, Has.Count.EqualTo(3), "the third request answers an empty page");
    }

    [Test]
    public async Task Only_messages_stored_in_the_window_and_direction_are_read()
    {
        var now = DateTimeOffset.UtcNow;
        _api.Store(Number, Item("in-window", "inbound"), now.AddMinutes(-30));
        _api.Store(Number, Item("too-old", "inbound"), now.AddHours(-3));
        _api.Store(Number, Item("outbound", "outbound"), now.AddMinutes(-20));

        var all = await ReadAllAsync(Client(), since: now.AddHours(-1));
        var outbound = await ReadAllAsync(Client(), since: now.AddHours(-4), direction: "outbound");

        Assert.That(all.SelectMany(p => p.Items).Select(i => i.GetProperty("id").GetString()), Is.EquivalentTo(new[] { "outbound", "in-window" }));
        Assert.That(outbound.SelectMany(p => p.Items).Select(i => i.GetProperty("id").GetString()), Is.EqualTo(new[] { "outbound" }));
    }

    [Test]
    public async Task A_429_waits_its_Retry_After_and_asks_for_the_same_page_again()
    {
        StoreMessages(150);
        _api.Throttle(1);

        var started = DateTime.UtcNow;
        var pages = await ReadAllAsync(Client());

        var requests = _api.Requests.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(pages.Sum(p => p.Items.Count), Is.EqualTo(150), "no page skipped");
            Assert.That(requests[1], Is.EqualTo(requests[0]), "the throttled request is asked again, unchanged");
            Assert.That(DateTime.UtcNow - started, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9)), "Retry-After: 1 was honoured");
        });
    }

    [Test]
    public void A_refused_key_stops_with_a_line_that_names_the_setting()
    {
        StoreMessages(5);
        var e = Assert.ThrowsAsync<KapsoApiException>(() => ReadAllAsync(Client(key: "wrong-key")));
        Assert.That(e!.Message, Does.Contain("401").And.Contain("LeadTracker__Kapso__ApiKey"));
        Assert.That(e.Message, Does.Not.Contain("wrong-key"), "the key is never repeated");
    }

    [Test]
    public async Task A_malformed_page_stops_after_the_pages_before_it()
    {
        StoreMessages(250);
        _api.MalformPage(2);

        var pages = new List<KapsoMessagePage>();
        var e = Assert.ThrowsAsync<KapsoApiException>(async () =>
        {
            await foreach (var page in Client().ListMessagesAsync(Number, DateTimeOffset.UtcNow.AddDays(-1),
                               DateTimeOffset.UtcNow.AddMinutes(1), null, CancellationToken.None)) pages.Add(page);
        });
        Assert.That(e!.Message, Does.Contain("page 2").And.Contain("not the documented shape"));
        Assert.That(pages.Select(p => p.Number), Is.EqualTo(new[] { 1 }));
        await Task.CompletedTask;
    }

    [Test]
    public void An_unreachable_host_stops_with_a_line_that_names_it()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var client = Client(baseUrl: new Uri($"http://127.0.0.1:{port}"));
        var e = Assert.ThrowsAsync<KapsoApiException>(() => ReadAllAsync(client));
        Assert.That(e!.Message, Does.Contain("cannot reach Kapso's API").And.Contain(port.ToString(CultureInfo.InvariantCulture)));
    }

    [Test]
    public async Task Webhooks_are_listed_and_an_inactive_one_is_switched_back_on()
    {
        _api.StoreWebhook(Number, new JsonObject { ["id"] = "wh-1", ["url"] = "https://a.example/webhooks/kapso", ["active"] = true, ["events"] = new JsonArray("whatsapp.message.received") });
        _api.StoreWebhook(Number, new JsonObject { ["id"] = "wh-2", ["url"] = "https://b.example/webhooks/kapso", ["active"] = false, ["events"] = new JsonArray("whatsapp.message.sent") });

        var hooks = await Client().ListWebhooksAsync(Number, CancellationToken.None);
        await Client().EnableWebhookAsync(Number, "wh-2", CancellationToken.None);

        Assert.That(hooks.Select(h => (h.Id, h.Active)), Is.EqualTo(new[] { ("wh-1", true), ("wh-2", false) }));
        Assert.That(_api.WebhookActive(Number, "wh-2"), Is.True);
    }

    private KapsoApiClient Client(string key = FakeKapsoApi.ApiKey, Uri? baseUrl = null) =>
        new(_http, Options.Create(new KapsoApiOptions { ApiKey = key, ApiBaseUrl = baseUrl ?? _api.BaseUrl }),
            NullLogger<KapsoApiClient>.Instance);

    private static async Task<List<KapsoMessagePage>> ReadAllAsync(KapsoApiClient client, DateTimeOffset? since = null,
        string? direction = null)
    {
        var pages = new List<KapsoMessagePage>();
        await foreach (var page in client.ListMessagesAsync(Number, since ?? DateTimeOffset.UtcNow.AddDays(-1),
                           DateTimeOffset.UtcNow.AddMinutes(1), direction, CancellationToken.None))
            pages.Add(page);
        return pages;
    }

    /// <returns>The ids in the order stored (oldest first); several share a storage second, as real traffic does.</returns>
    private List<string> StoreMessages(int count)
    {
        var first = DateTimeOffset.UtcNow.AddHours(-2);
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var id = $"wamid.TEST{i:D5}";
            _api.Store(Number, Item(id, i % 2 == 0 ? "inbound" : "outbound"), first.AddSeconds(i / 3));
            ids.Add(id);
        }

        return ids;
    }

    private static JsonObject Item(string id, string direction) => new()
    {
        ["id"] = id,
        ["timestamp"] = "1768471200",
        ["type"] = "text",
        ["text"] = new JsonObject { ["body"] = "hello" },
        ["kapso"] = new JsonObject { ["direction"] = direction, ["status"] = direction == "inbound" ? "delivered" : "sent" },
    };
}
