using System.Text.Json;

namespace LeadTracker.Testing;

/// <summary>
/// A virtual host of its own on a real RabbitMQ, made through the management API and deleted on dispose, so that
/// test runs and benchmark phases never see each other's queues. No broker: a message saying how to start one.
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{
    private static readonly Lazy<RabbitManagement> LocalManagement = new(() => RabbitManagement.Local());

    private readonly RabbitManagement _management;

    private TestBroker(string virtualHost, RabbitManagement management)
    {
        VirtualHost = virtualHost;
        _management = management;
    }

    /// <summary>The AMQP host of the local broker (<c>LeadTracker__RabbitMq__Host</c>, else localhost).</summary>
    public static string Host => RabbitManagement.LocalHost;

    public string VirtualHost { get; }

    /// <summary>A virtual host named <c>lt-test-{purpose}-…</c>, unique to this call.</summary>
    /// <param name="management">Another broker's management API (the test cluster's); the local broker's by default.</param>
    public static Task<TestBroker> CreateAsync(string purpose, RabbitManagement? management = null) =>
        CreateNamedAsync($"lt-test-{purpose}-{Guid.NewGuid():N}"[..40], management ?? LocalManagement.Value);

    /// <summary>A virtual host of exactly this name (the benchmark's, which it finds again after an interrupted run).</summary>
    public static async Task<TestBroker> CreateNamedAsync(string virtualHost, RabbitManagement management, CancellationToken ct = default)
    {
        try
        {
            await management.CreateVhostAsync(virtualHost, ct);
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException(
                $"RabbitMQ management API not reachable at {management.Root} ({e.Message}). Start RabbitMQ with the " +
                "management plugin: scripts/ensure-rabbitmq.sh does (scripts/test.sh and bench/run.sh call it).", e);
        }

        return new TestBroker(virtualHost, management);
    }

    /// <summary>Messages ready plus unacknowledged in a queue; 0 when the queue does not exist (yet).</summary>
    public Task<long> MessageCountAsync(string queue) => _management.QueueDepthAsync(VirtualHost, queue);

    /// <summary>The names of the queues in this virtual host.</summary>
    public async Task<IReadOnlyList<string>> QueueNamesAsync() => [.. (await _management.QueueDepthsAsync(VirtualHost)).Keys];

    /// <summary>Ready plus unacknowledged messages of every queue in this virtual host.</summary>
    public Task<IReadOnlyDictionary<string, long>> QueueDepthsAsync(CancellationToken ct = default) =>
        _management.QueueDepthsAsync(VirtualHost, ct);

    /// <summary>One queue as the management API describes it (type, arguments, leader, …).</summary>
    public async Task<JsonElement> QueueAsync(string queue) =>
        await _management.QueueAsync(VirtualHost, queue) ?? throw new InvalidOperationException($"no queue {queue} in {VirtualHost}");

    /// <summary>Peeks at a queue's messages (requeued), for checking what reached an error queue.</summary>
    public Task<IReadOnlyList<JsonElement>> PeekAsync(string queue, int count = 10) =>
        _management.PeekAsync(VirtualHost, queue, count);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _management.DeleteVhostAsync(VirtualHost);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // The broker may be stopped by a fault test: the virtual host then stays behind, named for its purpose.
        }
    }
}
