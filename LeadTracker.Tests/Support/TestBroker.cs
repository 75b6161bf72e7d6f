using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace LeadTracker.Tests.Support;

/// <summary>
/// The real RabbitMQ that scripts/test.sh started, reached through its management API. Each test run gets its
/// own virtual host, deleted afterwards, so tests never see each other's queues. No broker: the test fails with
/// a message saying how to start one; it never skips.
/// </summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private static readonly HttpClient Management = new()
    {
        BaseAddress = new Uri($"http://{Host}:{ManagementPort}/api/"),
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("guest:guest"u8)) },
    };

    private readonly HttpClient _management;

    private TestBroker(string virtualHost, HttpClient management)
    {
        VirtualHost = virtualHost;
        _management = management;
    }

    public static string Host => Environment.GetEnvironmentVariable("LeadTracker__RabbitMq__Host") ?? "localhost";

    public static int ManagementPort => 15672;

    public string VirtualHost { get; }

    private string EncodedVhost => Uri.EscapeDataString(VirtualHost);

    /// <param name="management">Another broker's management API (the test cluster's); the local broker's by default.</param>
    public static async Task<TestBroker> CreateAsync(string purpose, HttpClient? management = null)
    {
        var broker = new TestBroker($"lt-test-{purpose}-{Guid.NewGuid():N}"[..40], management ?? Management);
        try
        {
            (await broker._management.PutAsync($"vhosts/{broker.EncodedVhost}", null)).EnsureSuccessStatusCode();
            (await broker._management.PutAsJsonAsync($"permissions/{broker.EncodedVhost}/guest",
                new { configure = ".*", write = ".*", read = ".*" })).EnsureSuccessStatusCode();
        }
        catch (HttpRequestException e)
        {
            Assert.Fail($"RabbitMQ management API not reachable at {broker._management.BaseAddress} ({e.Message}). " +
                "Run the tests with scripts/test.sh, which installs and starts rabbitmq-server.");
        }

        return broker;
    }

    /// <summary>Messages ready plus unacknowledged in a queue; 0 when the queue does not exist (yet).</summary>
    public async Task<long> MessageCountAsync(string queue)
    {
        using var response = await _management.GetAsync($"queues/{EncodedVhost}/{Uri.EscapeDataString(queue)}");
        if (response.StatusCode == HttpStatusCode.NotFound) return 0;
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        // The management API refreshes counts every few seconds; 'messages' may be missing right after declare.
        return json.RootElement.TryGetProperty("messages", out var count) ? count.GetInt64() : 0;
    }

    /// <summary>The names of the queues in this virtual host.</summary>
    public async Task<IReadOnlyList<string>> QueueNamesAsync()
    {
        using var json = JsonDocument.Parse(await _management.GetStringAsync($"queues/{EncodedVhost}?columns=name"));
        return json.RootElement.EnumerateArray().Select(q => q.GetProperty("name").GetString()!).ToArray();
    }

    /// <summary>One queue as the management API describes it (type, arguments, leader, …).</summary>
    public async Task<JsonElement> QueueAsync(string queue)
    {
        using var json = JsonDocument.Parse(await _management.GetStringAsync($"queues/{EncodedVhost}/{Uri.EscapeDataString(queue)}"));
        return json.RootElement.Clone();
    }

    /// <summary>Peeks at a queue's messages (requeued), for checking what reached an error queue.</summary>
    public async Task<IReadOnlyList<JsonElement>> PeekAsync(string queue, int count = 10)
    {
        using var response = await _management.PostAsync($"queues/{EncodedVhost}/{Uri.EscapeDataString(queue)}/get",
            new StringContent(JsonSerializer.Serialize(new { count, ackmode = "ack_requeue_true", encoding = "auto" }),
                Encoding.UTF8, "application/json"));
        if (response.StatusCode == HttpStatusCode.NotFound) return [];
        response.EnsureSuccessStatusCode();
        using var json = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        return json.RootElement.EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _management.DeleteAsync($"vhosts/{EncodedVhost}");
        }
        catch (HttpRequestException)
        {
            // The broker may be stopped by a fault test; the vhost goes with the next cleanup.
        }
    }
}
