using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;

namespace LeadTracker.Worker.Reconcile;

/// <summary>One page of Kapso's stored messages: the raw items, newest first, as the API returned them.</summary>
internal sealed record KapsoMessagePage(int Number, IReadOnlyList<JsonElement> Items);

/// <summary>A conversation as Kapso's API describes it: who the lead is when a message does not say.</summary>
internal sealed record KapsoConversationInfo(string? PhoneNumber, string? BusinessScopedUserId);

/// <summary>One of a number's Kapso webhooks.</summary>
internal sealed record KapsoWebhook(string Id, string? Url, bool Active, IReadOnlyList<string> Events);

/// <summary>
/// The parts of Kapso's REST API that catch-up needs (README, "Catching up from Kapso's API"): the Meta-compatible message list,
/// paged by opaque keyset cursors, one conversation, and a number's webhooks. A 429 waits its <c>Retry-After</c>
/// and asks for the same page again (a page is never skipped); a 5xx is retried briefly; anything else that is
/// not a readable answer throws a <see cref="KapsoApiException"/> with one line that says what to do. Every answer is
/// read as a stream through a <see cref="CappedStream"/> (<see cref="KapsoApiOptions.MaxPageBytes"/>): a server never
/// makes the worker buffer more than that; and a cursor seen before in the same walk ends it: a loop of any length
/// costs at most one request more than its length.
/// </summary>
internal sealed partial class KapsoApiClient
{
    /// <summary>The API's own maximum: fewer round trips, fewer 429s.</summary>
    public const int PageSize = 100;

    /// <summary>Per request, including the wait for a whole page.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly KapsoApiOptions _options;
    private readonly ILogger<KapsoApiClient> _logger;
    private readonly ResiliencePipeline<HttpResponseMessage> _retry;

    /// <summary>
    /// The handler every Kapso client uses: redirects are not followed. .NET drops only <c>Authorization</c> on a
    /// redirect, so <c>X-API-Key</c> would go to wherever a 3xx points; a redirect is an error instead.
    /// </summary>
    public static HttpMessageHandler NewHandler() => new SocketsHttpHandler { AllowAutoRedirect = false };

    public KapsoApiClient(HttpClient http, IOptions<KapsoApiOptions> options, ILogger<KapsoApiClient> logger)
    {
        _http = http;
        _options = options.Value;
        _logger = logger;
        _retry = new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = 20,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { } r && (
                    r.StatusCode == HttpStatusCode.TooManyRequests
                    || ((int)r.StatusCode >= 500 && args.AttemptNumber < 3))),
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    args.Outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests
                        ? RetryAfter(args.Outcome.Result)
                        : TimeSpan.FromSeconds(Math.Pow(2, args.AttemptNumber))),
                OnRetry = args =>
                {
                    Log.Retrying(_logger, (int)args.Outcome.Result!.StatusCode, args.RetryDelay.TotalSeconds,
                        args.Outcome.Result.RequestMessage?.RequestUri?.AbsolutePath ?? "?");
                    args.Outcome.Result.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
    }

    /// <summary>
    /// Every message Kapso stored for <paramref name="phoneNumberId"/> between <paramref name="since"/> and
    /// <paramref name="until"/> (Kapso's storage time, both inclusive), page by page, newest first.
    /// </summary>
    /// <param name="direction">"inbound", "outbound", or null for both.</param>
    public async IAsyncEnumerable<KapsoMessagePage> ListMessagesAsync(string phoneNumberId, DateTimeOffset since,
        DateTimeOffset until, string? direction, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var query = $"since={Iso(since)}&until={Iso(until)}&limit={PageSize}&fields=kapso(default)"
                    + (direction is null ? "" : "&direction=" + direction);
        var path = $"meta/whatsapp/v24.0/{Uri.EscapeDataString(phoneNumberId)}/messages";
        string? after = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var number = 1; ; number++)
        {
            var url = $"{path}?{query}" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after));
            using var json = await GetJsonAsync(url, cancellationToken);
            var (items, next) = ReadPage(json.RootElement, phoneNumberId, number);
            if (items.Count == 0) yield break;

            yield return new KapsoMessagePage(number, items);
            if (string.IsNullOrEmpty(next)) yield break;
            if (!seen.Add(next))
            {
                throw new KapsoApiException($"Kapso's API returned a cursor for {phoneNumberId} that it had returned before " +
                    $"(page {number}, after {seen.Count} distinct cursors): a cursor loop, stopped rather than ask again");
            }

            after = next;
        }
    }

    /// <summary>The conversation's lead, for an outbound message that names no recipient; null when Kapso has none.</summary>
    public async Task<KapsoConversationInfo?> GetConversationAsync(string phoneNumberId, string conversationId,
        CancellationToken cancellationToken)
    {
        var url = $"meta/whatsapp/v24.0/{Uri.EscapeDataString(phoneNumberId)}/conversations/{Uri.EscapeDataString(conversationId)}";
        using var json = await GetJsonAsync(url, notFoundIsNull: true, cancellationToken);
        if (json is null) return null;

        // Shown both bare and wrapped in "data"; read either.
        var root = json.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("data", out var data) && data.ValueKind == JsonValueKind.Object)
            root = data;
        if (root.ValueKind != JsonValueKind.Object)
            throw new KapsoApiException($"Kapso's API answered conversation {conversationId} with {root.ValueKind}, not an object");
        return new KapsoConversationInfo(Text(root, "phone_number"), Text(root, "business_scoped_user_id"));
    }

    public async Task<IReadOnlyList<KapsoWebhook>> ListWebhooksAsync(string phoneNumberId, CancellationToken cancellationToken)
    {
        using var json = await GetJsonAsync(WebhooksPath(phoneNumberId), cancellationToken);
        if (!json.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            throw new KapsoApiException($"Kapso's API answered the webhooks of {phoneNumberId} without a data array");
        return data.EnumerateArray().Select(w => new KapsoWebhook(
            Text(w, "id") ?? throw new KapsoApiException($"a webhook of {phoneNumberId} has no id"),
            Text(w, "url"),
            w.TryGetProperty("active", out var active) && active.ValueKind == JsonValueKind.True,
            w.TryGetProperty("events", out var events) && events.ValueKind == JsonValueKind.Array
                ? events.EnumerateArray().Select(e => e.GetString() ?? "").ToArray()
                : [])).ToArray();
    }

    public async Task EnableWebhookAsync(string phoneNumberId, string webhookId, CancellationToken cancellationToken)
    {
        var url = $"{WebhooksPath(phoneNumberId)}/{Uri.EscapeDataString(webhookId)}";
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Patch, Absolute(url))
        {
            Content = JsonContent.Create(new { whatsapp_webhook = new { active = true } }),
        }, url, cancellationToken);
    }

    private static string WebhooksPath(string phoneNumberId) =>
        $"platform/v1/whatsapp/phone_numbers/{Uri.EscapeDataString(phoneNumberId)}/webhooks";

    private async Task<JsonDocument> GetJsonAsync(string url, CancellationToken cancellationToken) =>
        (await GetJsonAsync(url, notFoundIsNull: false, cancellationToken))!;

    private async Task<JsonDocument?> GetJsonAsync(string url, bool notFoundIsNull, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Absolute(url)), url,
            notFoundIsNull, cancellationToken);
        if (response is null) return null;
        var cap = _options.MaxPageBytes;
        if (response.Content.Headers.ContentLength > cap) throw TooLarge(url, $"declares {response.Content.Headers.ContentLength} bytes");

        // HttpClient's timeout ends with the headers (ResponseHeadersRead); the body gets one of its own.
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        reading.CancelAfter(_http.Timeout);
        try
        {
            await using var body = new CappedStream(await response.Content.ReadAsStreamAsync(reading.Token), cap);
            return await JsonDocument.ParseAsync(body, cancellationToken: reading.Token);
        }
        catch (StreamCapExceededException)
        {
            throw TooLarge(url, "sent more");
        }
        catch (JsonException e)
        {
            throw new KapsoApiException($"Kapso's API answered {Endpoint(url)} with something that is not JSON ({e.Message})", e);
        }
        catch (IOException e)
        {
            throw new KapsoApiException($"Kapso's API broke off its answer to {Endpoint(url)}: {e.Message}", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KapsoApiException($"Kapso's API did not finish its answer to {Endpoint(url)} within {_http.Timeout.TotalSeconds:F0} s", e);
        }
    }

    private KapsoApiException TooLarge(string url, string what) =>
        new($"Kapso's API answered {Endpoint(url)} with more than {_options.MaxPageBytes} bytes ({what}): above " +
            "LeadTracker__Kapso__MaxPageBytes, not read further");

    private Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> request, string url, CancellationToken cancellationToken) =>
        SendAsync(request, url, notFoundIsNull: false, cancellationToken)!;

    private async Task<HttpResponseMessage?> SendAsync(Func<HttpRequestMessage> request, string url,
        bool notFoundIsNull, CancellationToken cancellationToken)
    {
        if (!_options.HasKey) throw new KapsoApiException("LeadTracker__Kapso__ApiKey is not set: Kapso's API needs a project API key");

        HttpResponseMessage response;
        try
        {
            response = await _retry.ExecuteAsync(async token =>
            {
                using var message = request();
                message.Headers.Add("X-API-Key", _options.ApiKey);
                return await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token);
            }, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new KapsoApiException($"cannot reach Kapso's API at {_options.ApiBaseUrl}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new KapsoApiException($"Kapso's API at {_options.ApiBaseUrl} did not answer {Endpoint(url)} within {_http.Timeout.TotalSeconds:F0} s", e);
        }

        if (response.IsSuccessStatusCode) return response;
        using (response)
        {
            var code = (int)response.StatusCode;
            if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound) return null;
            if (code is >= 300 and < 400)
            {
                throw new KapsoApiException($"Kapso's API answered {code} {response.ReasonPhrase} to {Endpoint(url)}, a redirect to " +
                    $"{response.Headers.Location?.GetLeftPart(UriPartial.Authority) ?? "nowhere"}: not followed, the API key goes to Kapso only");
            }

            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new KapsoApiException($"Kapso's API refused the API key ({code} {response.ReasonPhrase}): check LeadTracker__Kapso__ApiKey");
            throw new KapsoApiException($"Kapso's API answered {code} {response.ReasonPhrase} to {Endpoint(url)}: " +
                Cut(await StartOfAsync(response.Content, cancellationToken)));
        }
    }

    private static (IReadOnlyList<JsonElement> Items, string? After) ReadPage(JsonElement root, string phoneNumberId, int number)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
            throw new KapsoApiException($"Kapso's API page {number} of {phoneNumberId}'s messages has no data array: not the documented shape");

        var items = new List<JsonElement>();
        foreach (var item in data.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
                throw new KapsoApiException($"Kapso's API page {number} of {phoneNumberId}'s messages holds a {item.ValueKind} where a message belongs");
            items.Add(item.Clone());
        }

        string? after = null;
        if (root.TryGetProperty("paging", out var paging) && paging.ValueKind == JsonValueKind.Object
            && paging.TryGetProperty("cursors", out var cursors) && cursors.ValueKind == JsonValueKind.Object
            && cursors.TryGetProperty("after", out var next))
        {
            after = next.ValueKind switch
            {
                JsonValueKind.String => next.GetString(),
                JsonValueKind.Null => null,
                _ => throw new KapsoApiException($"Kapso's API page {number} of {phoneNumberId}'s messages has a {next.ValueKind} cursor"),
            };
        }

        return (items, after);
    }

    private Uri Absolute(string relative) => new(_options.ApiBaseUrl.ToString().TrimEnd('/') + "/" + relative);

    private static TimeSpan RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - DateTimeOffset.UtcNow : DefaultRetryAfter);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxRetryAfter ? MaxRetryAfter : wait;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Endpoint(string url) => "/" + url.Split('?')[0];

    /// <summary>
    /// The first KiB of an error answer, for its message, within the request timeout: never the whole of whatever a
    /// server sends, nor a wait on a body that stalls.
    /// </summary>
    private async Task<string> StartOfAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        var filled = 0;
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        reading.CancelAfter(_http.Timeout);
        try
        {
            await using var stream = await content.ReadAsStreamAsync(reading.Token);
            int read;
            while (filled < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(filled), reading.Token)) > 0) filled += read;
        }
        catch (Exception e) when (e is IOException or HttpRequestException
                                  || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // What arrived is enough to say what happened.
        }

        return System.Text.Encoding.UTF8.GetString(buffer, 0, filled);
    }

    private static string Cut(string text) => text.Length <= 200 ? text : text[..200] + "…";

    private static partial class Log
    {
        [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
            Message = "[Reconcile] Kapso's API answered {Status} to {Path}; asking again in {Seconds:F0} s")]
        public static partial void Retrying(ILogger logger, int status, double seconds, string path);
    }
}
