using System.Net;

namespace LeadTracker.Benchmark.Load;

/// <summary>Posts signed webhooks the way Kapso does: the exact body bytes, the Kapso headers, 200 or it is a failure.</summary>
internal sealed class WebhookClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _endpoint;

    public WebhookClient(Uri endpoint, int maxConnections)
    {
        _endpoint = endpoint;
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = maxConnections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            // Kapso gives up after 10 s; the bench waits longer so a slow baseline is measured, not dropped.
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    public async Task<HttpStatusCode> PostAsync(Webhook webhook, CancellationToken ct)
    {
        using var request = webhook.ToRequest(_endpoint);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        return response.StatusCode;
    }

    public void Dispose() => _http.Dispose();
}
