using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LeadTracker.Tests.Support;

/// <summary>
/// Kapso's REST API as its docs describe it, on a real loopback port: the Meta-compatible message list
/// (<c>since</c>/<c>until</c> on Kapso's storage time, <c>direction</c>, <c>limit</c> 1–100, newest first, opaque
/// Base64 keyset cursors over <c>created_at</c> and <c>id</c>), one conversation, and a number's webhooks. It checks
/// <c>X-API-Key</c> (401 otherwise) and can be told to answer 429 with <c>Retry-After</c> or a page that is not the
/// documented shape, and, for one number, 404, cursors that loop, or pages far above any sane size. Every request
/// is recorded.
/// </summary>
internal sealed class FakeKapsoApi : IAsyncDisposable
{
    public const string ApiKey = "kapso-test-key-0123456789";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Stored>> _messages = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _conversations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<JsonObject>> _webhooks = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Misbehaviour> _misbehaving = new(StringComparer.Ordinal);
    private readonly WebApplication _app;
    private long _sequence;
    private int _throttle;
    private int _malformedPage;

    private FakeKapsoApi(WebApplication app) => _app = app;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>"GET /meta/…?since=…" for every request, in order.</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    public static async Task<FakeKapsoApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var fake = new FakeKapsoApi(app);
        app.Use(async (http, next) =>
        {
            fake.Requests.Enqueue($"{http.Request.Method} {http.Request.Path}{http.Request.QueryString}");
            if (http.Request.Headers["X-API-Key"] != ApiKey)
            {
                http.Response.StatusCode = 401;
                await http.Response.WriteAsJsonAsync(new { error = "Invalid API key" });
                return;
            }

            await next(http);
        });
        app.MapGet("/meta/whatsapp/v24.0/{phoneNumberId}/messages", fake.ListMessages);
        app.MapGet("/meta/whatsapp/v24.0/{phoneNumberId}/conversations/{conversationId}", fake.GetConversation);
        app.MapGet("/platform/v1/whatsapp/phone_numbers/{phoneNumberId}/webhooks", fake.ListWebhooks);
        app.MapMethods("/platform/v1/whatsapp/phone_numbers/{phoneNumberId}/webhooks/{webhookId}", ["PATCH"], fake.UpdateWebhook);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        fake.BaseUrl = new Uri(address);
        return fake;
    }

    /// <summary>Stores or replaces (by <c>id</c>) a message item; a replaced one keeps its storage time, as Kapso's does.</summary>
    public void Store(string phoneNumberId, JsonObject item, DateTimeOffset? createdAt = null)
    {
        lock (_gate)
        {
            var list = _messages.TryGetValue(phoneNumberId, out var l) ? l : _messages[phoneNumberId] = [];
            var id = (string)item["id"]!;
            var index = list.FindIndex(s => (string)s.Item["id"]! == id);
            if (index >= 0) list[index] = list[index] with { Item = (JsonObject)item.DeepClone() };
            else list.Add(new Stored(createdAt ?? DateTimeOffset.UtcNow, ++_sequence, (JsonObject)item.DeepClone()));
        }
    }

    public void StoreConversation(string conversationId, JsonObject conversation)
    {
        lock (_gate) _conversations[conversationId] = conversation;
    }

    public void StoreWebhook(string phoneNumberId, JsonObject webhook)
    {
        lock (_gate) (_webhooks.TryGetValue(phoneNumberId, out var l) ? l : _webhooks[phoneNumberId] = []).Add(webhook);
    }

    public bool WebhookActive(string phoneNumberId, string webhookId)
    {
        lock (_gate) return (bool)_webhooks[phoneNumberId].Single(w => (string)w["id"]! == webhookId)["active"]!;
    }

    /// <summary>The next <paramref name="count"/> message-list requests answer 429 with <c>Retry-After: 1</c>.</summary>
    public void Throttle(int count) => Interlocked.Exchange(ref _throttle, count);

    /// <summary>Page <paramref name="page"/> (1-based) of every message list answers a body without its data array.</summary>
    public void MalformPage(int page) => Interlocked.Exchange(ref _malformedPage, page);

    /// <summary>The message list of <paramref name="phoneNumberId"/> answers 404, as Kapso does for a number it does not know.</summary>
    public void Refuse(string phoneNumberId) => _misbehaving[phoneNumberId] = new Refused();

    /// <summary>
    /// The message list of <paramref name="phoneNumberId"/> answers its first page again and again, each time with the
    /// next cursor of <paramref name="cycle"/> (A, B, A, B, …). After 50 requests it gives up and ends the list, so a
    /// client without loop detection ends too (and its test fails on the request count, instead of hanging).
    /// </summary>
    public void LoopCursors(string phoneNumberId, params string[] cycle) => _misbehaving[phoneNumberId] = new Looping(cycle);

    public const int LoopGivesUpAfter = 50;

    /// <summary>
    /// Every message list of <paramref name="phoneNumberId"/> answers valid JSON of <paramref name="bytes"/> bytes
    /// (the real page and a long padding string), written 64 KiB at a time, with or without a Content-Length, until
    /// the client hangs up.
    /// </summary>
    public void Oversize(string phoneNumberId, long bytes, bool declareLength) =>
        _misbehaving[phoneNumberId] = new Oversized(bytes, declareLength);

    private async Task ListMessages(HttpContext http, string phoneNumberId)
    {
        _misbehaving.TryGetValue(phoneNumberId, out var misbehaviour);
        if (misbehaviour is Refused)
        {
            http.Response.StatusCode = 404;
            await http.Response.WriteAsJsonAsync(new { error = "Phone number not found" });
            return;
        }

        if (Interlocked.Decrement(ref _throttle) >= 0)
        {
            http.Response.StatusCode = 429;
            http.Response.Headers.RetryAfter = "1";
            http.Response.Headers["X-RateLimit-Limit"] = "100";
            http.Response.Headers["X-RateLimit-Remaining"] = "0";
            await http.Response.WriteAsJsonAsync(new { error = "Rate limit exceeded" });
            return;
        }

        var query = http.Request.Query;
        var limit = query.TryGetValue("limit", out var l) ? int.Parse(l!, CultureInfo.InvariantCulture) : 20;
        if (limit is < 1 or > 100)
        {
            http.Response.StatusCode = 400;
            await http.Response.WriteAsJsonAsync(new { error = "limit must be between 1 and 100" });
            return;
        }

        DateTimeOffset? since = query.TryGetValue("since", out var s) ? DateTimeOffset.Parse(s!, CultureInfo.InvariantCulture) : null;
        DateTimeOffset? until = query.TryGetValue("until", out var u) ? DateTimeOffset.Parse(u!, CultureInfo.InvariantCulture) : null;
        string? direction = query.TryGetValue("direction", out var d) ? d.ToString() : null;
        var looping = misbehaviour as Looping;
        var after = query.TryGetValue("after", out var a) && looping is null ? Decode(a!) : null;
        var withKapso = query["fields"].ToString().Contains("kapso", StringComparison.Ordinal);

        Stored[] page;
        bool more;
        int pageNumber;
        lock (_gate)
        {
            var window = (_messages.TryGetValue(phoneNumberId, out var list) ? list : [])
                .Where(m => (since is null || m.CreatedAt >= since) && (until is null || m.CreatedAt <= until))
                .Where(m => direction is null || (string?)m.Item["kapso"]?["direction"] == direction)
                .OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Sequence)
                .ToArray();
            var rest = window.Where(m => after is null || m.CreatedAt < after.Value.CreatedAt
                                         || (m.CreatedAt == after.Value.CreatedAt && m.Sequence < after.Value.Sequence))
                .ToArray();
            page = rest.Take(limit).Select(m => m with { Item = (JsonObject)m.Item.DeepClone() }).ToArray();
            more = rest.Length > limit;
            pageNumber = (window.Length - rest.Length) / limit + 1;
        }

        if (pageNumber == Volatile.Read(ref _malformedPage))
        {
            await http.Response.WriteAsJsonAsync(new { messages = "not the documented shape" });
            return;
        }

        var data = new JsonArray(page.Select(m =>
        {
            if (!withKapso) m.Item.Remove("kapso");
            return (JsonNode)m.Item;
        }).ToArray());
        var cursors = new JsonObject();
        if (page.Length > 0)
        {
            cursors["before"] = Encode(page[0]);
            // A full page always offers a cursor, even when nothing follows: the next page is then empty.
            cursors["after"] = more || page.Length == limit ? Encode(page[^1]) : null;
            if (looping is not null) cursors["after"] = looping.Next(a.ToString());
        }

        http.Response.ContentType = "application/json";
        var body = new JsonObject { ["data"] = data, ["paging"] = new JsonObject { ["cursors"] = cursors } }.ToJsonString();
        if (misbehaviour is Oversized oversized) await oversized.WriteAsync(http, body);
        else await http.Response.WriteAsync(body);
    }

    private IResult GetConversation(string conversationId)
    {
        lock (_gate)
        {
            return _conversations.TryGetValue(conversationId, out var c)
                ? Results.Content(c.ToJsonString(), "application/json")
                : Results.NotFound(new { error = "Conversation not found" });
        }
    }

    private IResult ListWebhooks(string phoneNumberId)
    {
        lock (_gate)
        {
            var hooks = _webhooks.TryGetValue(phoneNumberId, out var l) ? l : [];
            var body = new JsonObject
            {
                ["data"] = new JsonArray(hooks.Select(h => (JsonNode)h.DeepClone()).ToArray()),
                ["meta"] = new JsonObject { ["page"] = 1, ["per_page"] = 20, ["total_pages"] = 1, ["total_count"] = hooks.Count },
            };
            return Results.Content(body.ToJsonString(), "application/json");
        }
    }

    private async Task<IResult> UpdateWebhook(HttpContext http, string phoneNumberId, string webhookId)
    {
        var body = await JsonNode.ParseAsync(http.Request.Body);
        lock (_gate)
        {
            var hook = _webhooks.TryGetValue(phoneNumberId, out var l) ? l.SingleOrDefault(h => (string)h["id"]! == webhookId) : null;
            if (hook is null) return Results.NotFound(new { error = "Webhook not found" });
            if (body?["whatsapp_webhook"]?["active"] is JsonValue active) hook["active"] = (bool)active;
            return Results.Content(new JsonObject { ["data"] = hook.DeepClone() }.ToJsonString(), "application/json");
        }
    }

    // Kapso's cursors: Base64 of {"values":[created_at,id],"columns":["created_at","id"]}.
    private static string Encode(Stored m) => Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject
    {
        ["values"] = new JsonArray(m.CreatedAt.ToString("O", CultureInfo.InvariantCulture), m.Sequence),
        ["columns"] = new JsonArray("created_at", "id"),
    }.ToJsonString()));

    private static (DateTimeOffset CreatedAt, long Sequence)? Decode(string cursor)
    {
        var json = JsonNode.Parse(Convert.FromBase64String(cursor))!;
        return (DateTimeOffset.Parse((string)json["values"]![0]!, CultureInfo.InvariantCulture), (long)json["values"]![1]!);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed record Stored(DateTimeOffset CreatedAt, long Sequence, JsonObject Item);

    private abstract record Misbehaviour;

    private sealed record Refused : Misbehaviour;

    private sealed record Looping(string[] Cycle) : Misbehaviour
    {
        private int _answered;

        /// <summary>The cursor after <paramref name="after"/> in the cycle (the first for the first page); null once it gives up.</summary>
        public string? Next(string after) =>
            Interlocked.Increment(ref _answered) >= LoopGivesUpAfter ? null
            : Cycle[(Array.IndexOf(Cycle, after) + 1) % Cycle.Length];
    }

    private sealed record Oversized(long Bytes, bool DeclareLength) : Misbehaviour
    {
        public async Task WriteAsync(HttpContext http, string page)
        {
            // {"padding":"xxx…","data":[…],"paging":{…}}: valid JSON, so only a size cap can refuse it.
            var head = Encoding.UTF8.GetBytes("{\"padding\":\"");
            var tail = Encoding.UTF8.GetBytes("\"," + page[1..]);
            if (DeclareLength) http.Response.ContentLength = Bytes;
            var chunk = Encoding.ASCII.GetBytes(new string('x', 64 * 1024));
            try
            {
                await http.Response.Body.WriteAsync(head, http.RequestAborted);
                // Once the client is gone Kestrel discards writes without failing them: the abort is what ends the loop.
                for (var padding = Bytes - head.Length - tail.Length; padding > 0 && !http.RequestAborted.IsCancellationRequested;
                     padding -= chunk.Length)
                {
                    var part = chunk.AsMemory(0, (int)Math.Min(chunk.Length, padding));
                    await http.Response.Body.WriteAsync(part, http.RequestAborted);
                }

                await http.Response.Body.WriteAsync(tail, http.RequestAborted);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException)
            {
                // The client hung up: what a refusing client does.
            }
        }
    }
}
