using System.Net;
using LeadTracker.Benchmark.Payloads;

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
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new ByteArrayContent(webhook.Body),
        };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.TryAddWithoutValidation("X-Webhook-Event", webhook.EventType);
        request.Headers.TryAddWithoutValidation("X-Webhook-Signature", webhook.Signature);
        request.Headers.TryAddWithoutValidation("X-Idempotency-Key", webhook.IdempotencyKey);
        request.Headers.TryAddWithoutValidation("X-Webhook-Payload-Version", "v2");
        if (webhook.IsBatch)
        {
            request.Headers.TryAddWithoutValidation("X-Webhook-Batch", "true");
            request.Headers.TryAddWithoutValidation("X-Batch-Size", webhook.BatchSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        return response.StatusCode;
    }

    public void Dispose() => _http.Dispose();
}
