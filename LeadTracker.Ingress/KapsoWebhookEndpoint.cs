using System.Buffers;
using System.Text.Json;
using LeadTracker.Contracts;
using LeadTracker.Ingress.Relay;
using Microsoft.Extensions.Options;

namespace LeadTracker.Ingress;

/// <summary>
/// <c>POST /webhooks/kapso</c>. Answers, in the order checked (docs/operations.md, "What the ingress answers"):
/// 413 body over the cap · 401 signature missing or wrong · 415 not JSON content · 400 not a JSON object ·
/// 413 a batch of more events than allowed · 503 neither broker nor spool took the events · 200 every event confirmed by RabbitMQ or spooled durably.
/// Kapso retries anything but 200, so a 200 is given only when nothing can be lost any more.
/// </summary>
internal static partial class KapsoWebhookEndpoint
{
    public const string Path = "/webhooks/kapso";

    public static IEndpointRouteBuilder MapKapsoWebhook(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(Path, HandleAsync).DisableAntiforgery();
        return routes;
    }

    private static async Task<IResult> HandleAsync(
        HttpContext http,
        WebhookSignature signature,
        EventRelay relay,
        IngressMetrics metrics,
        IOptions<IngressOptions> options,
        IOptions<KapsoOptions> kapso,
        TimeProvider time,
        UnauthenticatedLog unauthenticated,
        ILogger<WebhookSignature> logger)
    {
        var request = http.Request;
        var receivedAt = time.GetUtcNow();
        var max = options.Value.MaxBodyBytes;

        using var body = await ReadBodyAsync(request, max, http.RequestAborted);
        if (body is null) return Answer(metrics, StatusCodes.Status413PayloadTooLarge, $"body over {max} bytes");

        if (!kapso.Value.AllowUnsigned)
        {
            var check = signature.Check(body.Bytes.Span, request.Headers["X-Webhook-Signature"]);
            if (check != SignatureCheck.Valid)
            {
                metrics.Unauthenticated(check);
                var remote = request.HttpContext.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                if (unauthenticated.Throttle.Hit(remote) is var count and > 0) Log.SignatureRejected(logger, check, remote, count);
                return Answer(metrics, StatusCodes.Status401Unauthorized, $"signature {check.ToString().ToLowerInvariant()}");
            }
        }

        if (request.ContentType is { } contentType && !IsJson(contentType))
            return Answer(metrics, StatusCodes.Status415UnsupportedMediaType, $"content type {contentType} is not JSON");

        IReadOnlyList<IKapsoEvent> events;
        try
        {
            events = WebhookBatch.Split(body.Bytes, request.Headers["X-Webhook-Event"],
                request.Headers["X-Webhook-Batch"], request.Headers["X-Idempotency-Key"], receivedAt, options.Value.MaxEventsPerWebhook);
        }
        catch (TooManyEventsException e)
        {
            metrics.EventsInWebhook(e.Count);
            return Answer(metrics, StatusCodes.Status413PayloadTooLarge, e.Message);
        }
        catch (Exception e) when (e is JsonException or ArgumentException)
        {
            Log.Malformed(logger, e.Message);
            return Answer(metrics, StatusCodes.Status400BadRequest, "body is not a JSON object: " + e.Message);
        }

        metrics.EventsInWebhook(events.Count);
        CountHeaderMismatches(events, request.Headers["X-Webhook-Event"], metrics, unauthenticated, logger);
        var relayed = events.Where(e => e.EventType.Stream != EventStream.Ignored).ToArray();
        foreach (var ignored in events.Where(e => e.EventType.Stream == EventStream.Ignored))
        {
            // Split names every event from the table, or "other": never a header's own text.
            Log.Ignored(logger, ignored.EventType.Name, ignored.IdempotencyKey);
            metrics.Event(ignored.EventType, "ignored");
        }

        var outcome = relayed.Length == 0 ? RelayOutcome.Published : await relay.RelayAsync(relayed, http.RequestAborted);
        if (outcome == RelayOutcome.Unavailable)
            return Answer(metrics, StatusCodes.Status503ServiceUnavailable, "broker unavailable and spool full or off; retry");

        var what = outcome == RelayOutcome.Spooled ? "spooled" : "published";
        foreach (var e in relayed) metrics.Event(e.EventType, what);
        metrics.Webhook(StatusCodes.Status200OK, what);
        return Results.Json(new { accepted = relayed.Length, ignored = events.Count - relayed.Length, outcome = what });
    }

    /// <summary>
    /// The signed body decided what each event is; a header that said otherwise (a replay under another type, or
    /// Kapso's status moving on before it sent) is counted, and logged at most once a minute.
    /// </summary>
    private static void CountHeaderMismatches(IReadOnlyList<IKapsoEvent> events, string? header, IngressMetrics metrics,
        UnauthenticatedLog throttle, ILogger logger)
    {
        header = header?.Trim();
        if (string.IsNullOrEmpty(header)) return;
        foreach (var e in events)
        {
            if (e.EventType.Name == header || e.EventType == KapsoEventTypes.Ignored) continue;
            metrics.HeaderMismatch(header, e.EventType);
            if (throttle.Throttle.Hit("header mismatch") is var count and > 0)
                Log.HeaderMismatch(logger, KapsoEventTypes.Label(header), e.EventType.Name, count);
        }
    }

    /// <returns>The body, or null when it is larger than <paramref name="max"/> bytes.</returns>
    private static async Task<PooledBody?> ReadBodyAsync(HttpRequest request, int max, CancellationToken cancellationToken)
    {
        if (request.ContentLength > max) return null;

        var body = new PooledBody((int)Math.Min(request.ContentLength ?? 16 * 1024, max) + 1);
        try
        {
            while (true)
            {
                if (body.Length == body.Buffer.Length) body.Grow(Math.Min(body.Buffer.Length * 2, max + 1));
                var read = await request.Body.ReadAsync(body.Buffer.AsMemory(body.Length), cancellationToken);
                if (read == 0) return body;
                body.Length += read;
                if (body.Length > max)
                {
                    body.Dispose();
                    return null;
                }
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            body.Dispose();
            return null;
        }
    }

    private static bool IsJson(string contentType) =>
        contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
        || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase);

    private static IResult Answer(IngressMetrics metrics, int status, string detail)
    {
        metrics.Webhook(status);
        return Results.Problem(detail: detail, statusCode: status);
    }

    /// <summary>A rented buffer: webhooks arrive by the thousand per second, their bodies need not be garbage.</summary>
    private sealed class PooledBody(int size) : IDisposable
    {
        public byte[] Buffer { get; private set; } = ArrayPool<byte>.Shared.Rent(size);

        public int Length { get; set; }

        public ReadOnlyMemory<byte> Bytes => Buffer.AsMemory(0, Length);

        public void Grow(int size)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(size);
            Buffer.AsSpan(0, Length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = bigger;
        }

        public void Dispose()
        {
            if (Buffer.Length == 0) return;
            ArrayPool<byte>.Shared.Return(Buffer);
            Buffer = [];
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 4201, Level = LogLevel.Warning,
            Message = "Webhook rejected: signature {Check} (from {RemoteIp}; {Count} refused from there since the last such line)")]
        public static partial void SignatureRejected(ILogger logger, SignatureCheck check, string remoteIp, long count);

        [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "Webhook rejected: malformed JSON ({Reason})")]
        public static partial void Malformed(ILogger logger, string reason);

        [LoggerMessage(EventId = 4203, Level = LogLevel.Information,
            Message = "Acknowledged {EventType} (idempotency key {IdempotencyKey}): not an event LeadTracker uses")]
        public static partial void Ignored(ILogger logger, string eventType, string? idempotencyKey);

        [LoggerMessage(EventId = 4204, Level = LogLevel.Warning,
            Message = "X-Webhook-Event {Header} disagrees with the signed body, which says {EventType}: the body decides ({Count} such events since the last such line)")]
        public static partial void HeaderMismatch(ILogger logger, string header, string eventType, long count);
    }
}
