using System.Globalization;
using System.Net.Http.Headers;

namespace LeadTracker.Testing;

/// <summary>One signed HTTP delivery, ready to post: a single event, or a buffered batch of received messages.</summary>
public sealed record Webhook(
    string EventType,
    byte[] Body,
    string Signature,
    string IdempotencyKey,
    int BatchSize,
    IReadOnlyList<KapsoEvent> Events)
{
    /// <summary>The ingress's webhook path, relative to its address.</summary>
    public static readonly Uri Path = new("/webhooks/kapso", UriKind.Relative);

    public bool IsBatch => BatchSize > 0;

    /// <summary>Any body as one event of <paramref name="eventType"/> (a poison event, say), signed with <paramref name="secret"/>.</summary>
    public static Webhook Create(string eventType, byte[] body, string idempotencyKey, string secret = KapsoSignature.TestSecret) =>
        new(eventType, body, KapsoSignature.Sign(body, secret), idempotencyKey, 0, [new KapsoEvent(eventType, body)]);

    /// <summary>The POST exactly as Kapso sends it: the body bytes untouched, the v2 headers and the signature.</summary>
    /// <param name="endpoint">The ingress's webhook URL; <see cref="Path"/> for a client with a base address.</param>
    public HttpRequestMessage ToRequest(Uri? endpoint = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, endpoint ?? Path) { Content = new ByteArrayContent(Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("X-Webhook-Event", EventType);
        request.Headers.TryAddWithoutValidation("X-Webhook-Signature", Signature);
        request.Headers.TryAddWithoutValidation("X-Idempotency-Key", IdempotencyKey);
        request.Headers.TryAddWithoutValidation("X-Webhook-Payload-Version", "v2");
        if (IsBatch)
        {
            request.Headers.TryAddWithoutValidation("X-Webhook-Batch", "true");
            request.Headers.TryAddWithoutValidation("X-Batch-Size", BatchSize.ToString(CultureInfo.InvariantCulture));
        }

        return request;
    }
}
