using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LeadTracker.Testing;

/// <summary>
/// RabbitMQ's management HTTP API as the tests and the benchmark use it: virtual hosts made and deleted, queues
/// read and peeked. Errors are <see cref="HttpRequestException"/>s; a queue that does not exist (yet) is empty.
/// </summary>
public sealed class RabbitManagement : IDisposable
{
    private readonly HttpClient _http;

    /// <param name="root">The management listener, e.g. <c>http://127.0.0.1:15672/</c>.</param>
    public RabbitManagement(Uri root, string user = "guest", string password = "guest", TimeSpan? timeout = null)
    {
        var folder = root.AbsoluteUri.EndsWith('/') ? root : new Uri(root.AbsoluteUri + "/");
        _http = new HttpClient { BaseAddress = new Uri(folder, "api/"), Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        User = user;
    }

    /// <summary>The broker on this machine (or <c>LeadTracker__RabbitMq__Host</c>), as scripts/ensure-rabbitmq.sh starts it.</summary>
    public static RabbitManagement Local(TimeSpan? timeout = null) => new(new Uri($"http://{LocalHost}:15672/"), timeout: timeout);

    public static string LocalHost => Environment.GetEnvironmentVariable("LeadTracker__RabbitMq__Host") ?? "localhost";

    public Uri Root => _http.BaseAddress!;

    public string User { get; }

    /// <summary>RabbitMQ's version; throws when the API does not answer.</summary>
    public async Task<string> VersionAsync(CancellationToken ct = default)
    {
        using var overview = JsonDocument.Parse(await _http.GetStringAsync("overview", ct));
        return overview.RootElement.GetProperty("rabbitmq_version").GetString() ?? "?";
    }

    /// <summary>Whether the API answers now (a node that is booting or stopped does not).</summary>
    public async Task<bool> AnswersAsync(CancellationToken ct = default)
    {
        try
        {
            using var overview = await _http.GetAsync("overview", ct);
            return overview.IsSuccessStatusCode;
        }
        catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !ct.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>A virtual host with full permissions for this API's user.</summary>
    public async Task CreateVhostAsync(string vhost, CancellationToken ct = default)
    {
        using var created = await _http.PutAsync("vhosts/" + Escape(vhost), null, ct);
        created.EnsureSuccessStatusCode();
        using var permitted = await _http.PutAsJsonAsync(
            $"permissions/{Escape(vhost)}/{Escape(User)}", new { configure = ".*", write = ".*", read = ".*" }, ct);
        permitted.EnsureSuccessStatusCode();
    }

    /// <summary>Deletes the virtual host and all in it; true when it existed.</summary>
    public async Task<bool> DeleteVhostAsync(string vhost, CancellationToken ct = default)
    {
        using var deleted = await _http.DeleteAsync("vhosts/" + Escape(vhost), ct);
        if (deleted.StatusCode == HttpStatusCode.NotFound) return false;
        deleted.EnsureSuccessStatusCode();
        return true;
    }

    /// <summary>Virtual hosts whose name starts with <paramref name="prefix"/> (left behind by an interrupted run).</summary>
    public async Task<IReadOnlyList<string>> VhostsAsync(string prefix, CancellationToken ct = default)
    {
        using var vhosts = JsonDocument.Parse(await _http.GetStringAsync("vhosts?columns=name", ct));
        return [.. vhosts.RootElement.EnumerateArray()
            .Select(v => v.GetProperty("name").GetString()!)
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))];
    }

    /// <summary>Ready plus unacknowledged messages of every queue in the virtual host, by queue name.</summary>
    public async Task<IReadOnlyDictionary<string, long>> QueueDepthsAsync(string vhost, CancellationToken ct = default)
    {
        using var queues = JsonDocument.Parse(await _http.GetStringAsync("queues/" + Escape(vhost), ct));
        return queues.RootElement.EnumerateArray().ToDictionary(q => q.GetProperty("name").GetString()!, Depth);
    }

    /// <summary>One queue as the API describes it (type, arguments, leader, …); null when it does not exist.</summary>
    public async Task<JsonElement?> QueueAsync(string vhost, string queue, CancellationToken ct = default)
    {
        using var response = await _http.GetAsync(QueuePath(vhost, queue), ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
        return json.RootElement.Clone();
    }

    /// <summary>Ready plus unacknowledged messages in one queue; 0 when it does not exist (yet).</summary>
    public async Task<long> QueueDepthAsync(string vhost, string queue, CancellationToken ct = default) =>
        await QueueAsync(vhost, queue, ct) is { } q ? Depth(q) : 0;

    /// <summary>Up to <paramref name="count"/> messages of a queue, requeued: for checking what reached an error queue.</summary>
    public async Task<IReadOnlyList<JsonElement>> PeekAsync(string vhost, string queue, int count, CancellationToken ct = default)
    {
        using var response = await _http.PostAsJsonAsync(
            QueuePath(vhost, queue) + "/get", new { count, ackmode = "ack_requeue_true", encoding = "auto" }, ct);
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync(ct));
        return [.. json.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    public void Dispose() => _http.Dispose();

    // The API refreshes its figures every few seconds: 'messages' is missing right after a declare.
    private static long Depth(JsonElement queue) =>
        queue.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt64() : 0;

    private static string QueuePath(string vhost, string queue) => $"queues/{Escape(vhost)}/{Escape(queue)}";

    private static string Escape(string name) => Uri.EscapeDataString(name);
}
