using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LeadTracker.Benchmark.Broker;

/// <summary>The RabbitMQ management HTTP API (127.0.0.1:15672): a fresh vhost per phase, deleted after; queue depths.</summary>
internal sealed class RabbitManagement : IDisposable
{
    private readonly HttpClient _http;

    public RabbitManagement(Uri baseAddress, string user, string password)
    {
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        User = user;
    }

    public string User { get; }

    public async Task<string> VersionAsync(CancellationToken ct)
    {
        using var overview = JsonDocument.Parse(await _http.GetStringAsync(new Uri("api/overview", UriKind.Relative), ct));
        return overview.RootElement.GetProperty("rabbitmq_version").GetString() ?? "?";
    }

    public async Task CreateVhostAsync(string vhost, CancellationToken ct)
    {
        using var created = await _http.PutAsync(Path("api/vhosts", vhost), JsonContent.Create(new { }), ct);
        created.EnsureSuccessStatusCode();
        using var permitted = await _http.PutAsync(
            Path($"api/permissions/{Uri.EscapeDataString(vhost)}", User),
            JsonContent.Create(new { configure = ".*", write = ".*", read = ".*" }),
            ct);
        permitted.EnsureSuccessStatusCode();
    }

    /// <summary>Deletes the vhost and all in it; a clean-up step, so a broker that went away only earns a warning.</summary>
    public async Task DeleteVhostAsync(string vhost, CancellationToken ct)
    {
        try
        {
            using var deleted = await _http.DeleteAsync(Path("api/vhosts", vhost), ct);
        }
        catch (HttpRequestException e)
        {
            Console.Error.WriteLine($"warning: could not delete vhost {vhost} ({e.Message}); the next run deletes it");
        }
    }

    /// <summary>Vhosts whose name starts with <paramref name="prefix"/> (left behind by an interrupted run).</summary>
    public async Task<IReadOnlyList<string>> VhostsAsync(string prefix, CancellationToken ct)
    {
        using var vhosts = JsonDocument.Parse(await _http.GetStringAsync(new Uri("api/vhosts", UriKind.Relative), ct));
        return [.. vhosts.RootElement.EnumerateArray()
            .Select(v => v.GetProperty("name").GetString()!)
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal))];
    }

    /// <summary>Ready + unacknowledged messages of every queue in the vhost (the management figures lag ~5 s).</summary>
    public async Task<IReadOnlyDictionary<string, long>> QueueDepthsAsync(string vhost, CancellationToken ct)
    {
        using var queues = JsonDocument.Parse(await _http.GetStringAsync(Path("api/queues", vhost), ct));
        return queues.RootElement.EnumerateArray().ToDictionary(
            q => q.GetProperty("name").GetString()!,
            q => q.TryGetProperty("messages", out var m) && m.ValueKind == JsonValueKind.Number ? m.GetInt64() : 0);
    }

    private static Uri Path(string prefix, string name) => new($"{prefix}/{Uri.EscapeDataString(name)}", UriKind.Relative);

    public void Dispose() => _http.Dispose();
}
