using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using LeadTracker.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace LeadTracker.Worker.Errors;

/// <summary>
/// Operator access to MassTransit's <c>_error</c> queues: list and peek through the management HTTP API (nothing is
/// removed), replay through AMQP with publisher confirms (each message is confirmed in its queue before its error copy
/// is acknowledged).
/// </summary>
public sealed class ErrorQueueClient : IDisposable
{
    /// <summary>The largest body the management API returns per message; longer ones come back cut.</summary>
    private const int PeekTruncateBytes = 50_000;

    private readonly ErrorQueueConnection _connection;
    private readonly HttpClient _http;

    public ErrorQueueClient(ErrorQueueConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
        _http = new HttpClient { BaseAddress = connection.ManagementUri, Timeout = TimeSpan.FromSeconds(30) };
        var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{connection.Username}:{connection.Password}"));
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", credentials);
    }

    /// <summary>The error queue of <paramref name="queue"/>; a name that already ends in <c>_error</c> is kept.</summary>
    public static string ErrorQueueOf(string queue) =>
        queue.EndsWith(QueueNames.ErrorSuffix, StringComparison.Ordinal) ? queue : queue + QueueNames.ErrorSuffix;

    /// <summary>The consumer queue behind <paramref name="queue"/>: the name without its <c>_error</c> suffix.</summary>
    public static string ConsumerQueueOf(string queue) =>
        queue.EndsWith(QueueNames.ErrorSuffix, StringComparison.Ordinal) ? queue[..^QueueNames.ErrorSuffix.Length] : queue;

    /// <summary>
    /// For each queue, counts its <c>_error</c> queue and peeks at up to <paramref name="peek"/> messages, leaving them
    /// where they are (<c>ack_requeue_true</c>: taken and put back, which marks them redelivered and nothing else).
    /// A missing error queue counts as empty.
    /// </summary>
    public async Task<IReadOnlyList<ErrorQueueSummary>> ListAsync(
        IEnumerable<string> queues, int peek, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentOutOfRangeException.ThrowIfNegative(peek);

        var summaries = new List<ErrorQueueSummary>();
        foreach (var queue in queues)
        {
            summaries.Add(await PeekAsync(ConsumerQueueOf(queue), peek, cancellationToken));
        }

        return summaries;
    }

    /// <summary>
    /// Moves messages from <c>&lt;queue&gt;_error</c> back to <paramref name="queue"/>: at most <paramref name="max"/>
    /// (all when null), and never more than the error queue held when the replay began, so messages that fail again
    /// while we run are not replayed in a loop. Body and properties are kept; MassTransit's fault headers are dropped.
    /// </summary>
    public async Task<ReplayResult> ReplayAsync(string queue, int? max, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        if (max is { } limit)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit, nameof(max));
        }

        var target = ConsumerQueueOf(queue);
        var errorQueue = ErrorQueueOf(queue);

        await using var connection = await ConnectAsync(cancellationToken);
        await using var channel = await OpenChannelAsync(connection, cancellationToken);

        uint initial;
        try
        {
            initial = (await channel.QueueDeclarePassiveAsync(errorQueue, cancellationToken)).MessageCount;
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            // Never declared: nothing ever failed on this queue. (The 404 closed the channel; we are done with it.)
            return new ReplayResult(target, errorQueue, Moved: 0, Remaining: 0);
        }

        if (initial == 0)
        {
            return new ReplayResult(target, errorQueue, Moved: 0, Remaining: 0);
        }

        try
        {
            await channel.QueueDeclarePassiveAsync(target, cancellationToken);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            throw new InvalidOperationException(
                $"Queue '{target}' does not exist in virtual host '{_connection.VirtualHost}': start the worker once " +
                $"so it declares its queues, then replay. The {initial} message(s) in '{errorQueue}' were not touched.",
                e);
        }

        // The guard: only the messages that were there when we began. Replayed messages go to another queue, but one
        // that fails again comes back to the tail of this one while we run.
        var budget = max is { } m ? Math.Min((uint)m, initial) : initial;
        var moved = 0;
        try
        {
            while (moved < budget)
            {
                var got = await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken);
                if (got is null)
                {
                    break;
                }

                var properties = CleanCopy(got.BasicProperties);

                // At-least-once: the copy is confirmed in the consumer queue (tracking makes this await the broker's
                // ack, and throw on a nack or, with mandatory, on an unroutable return) BEFORE the error copy is
                // acknowledged. A crash between the two leaves the message in both queues; the worker applies events
                // idempotently, so the duplicate is harmless. The other order could lose it.
                await channel.BasicPublishAsync(
                    exchange: string.Empty,
                    routingKey: target,
                    mandatory: true,
                    basicProperties: properties,
                    body: got.Body,
                    cancellationToken: cancellationToken);
                await channel.BasicAckAsync(got.DeliveryTag, multiple: false, cancellationToken);
                moved++;
            }
        }
        catch (Exception e) when (e is PublishException or OperationInterruptedException or AlreadyClosedException)
        {
            // The unacknowledged error copy goes back to its queue when the channel closes.
            throw new InvalidOperationException(
                $"Replay of '{errorQueue}' stopped after {moved} message(s): {e.Message}", e);
        }

        var remaining = (await channel.QueueDeclarePassiveAsync(errorQueue, cancellationToken)).MessageCount;
        return new ReplayResult(target, errorQueue, moved, remaining);
    }

    public void Dispose() => _http.Dispose();

    private async Task<ErrorQueueSummary> PeekAsync(string queue, int peek, CancellationToken cancellationToken)
    {
        var errorQueue = ErrorQueueOf(queue);
        var path = $"api/queues/{Uri.EscapeDataString(_connection.VirtualHost)}/{Uri.EscapeDataString(errorQueue)}/get";

        // Take at least one: basic.get's message_count is exact now, while the queue's "messages" statistic lags by
        // the broker's statistics interval (5 s by default). One message put straight back costs nothing.
        var request = string.Create(
            CultureInfo.InvariantCulture,
            $$"""{"count":{{Math.Max(peek, 1)}},"ackmode":"ack_requeue_true","encoding":"auto","truncate":{{PeekTruncateBytes}}}""");
        using var content = new StringContent(request, Encoding.UTF8, "application/json");

        using var response = await SendAsync(() => _http.PostAsync(path, content, cancellationToken));
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            // The broker answers 404 for a missing queue, but 401 for a missing virtual host: tell them apart.
            await EnsureVirtualHostExistsAsync(cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return new ErrorQueueSummary(queue, errorQueue, Exists: false, MessageCount: 0, Messages: []);
            }
        }

        await EnsureSuccessAsync(response, $"peek at '{errorQueue}'", cancellationToken);

        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var json = await JsonDocument.ParseAsync(stream, cancellationToken: cancellationToken);

        var messages = new List<ErrorMessageInfo>();
        long count = 0;
        foreach (var item in json.RootElement.EnumerateArray())
        {
            // message_count: what was still ready after this one was taken.
            count = messages.Count + 1 + (item.TryGetProperty("message_count", out var left) ? left.GetInt64() : 0);
            messages.Add(ReadMessage(item));
        }

        return new ErrorQueueSummary(queue, errorQueue, Exists: true, count, messages.Take(peek).ToList());
    }

    private async Task EnsureVirtualHostExistsAsync(CancellationToken cancellationToken)
    {
        var path = $"api/vhosts/{Uri.EscapeDataString(_connection.VirtualHost)}";
        using var response = await SendAsync(() => _http.GetAsync(path, cancellationToken));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new InvalidOperationException(
                $"Virtual host '{_connection.VirtualHost}' does not exist on {_connection.ManagementUri}.");
        }

        await EnsureSuccessAsync(response, $"read virtual host '{_connection.VirtualHost}'", cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(Func<Task<HttpResponseMessage>> send)
    {
        try
        {
            return await send();
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException(
                $"Cannot reach the RabbitMQ management API at {_connection.ManagementUri} (is the broker running with " +
                $"the management plugin enabled?): {e.Message}", e);
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            throw new InvalidOperationException(
                $"The RabbitMQ management API at {_connection.ManagementUri} did not answer in {_http.Timeout.TotalSeconds} s.", e);
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new InvalidOperationException(
                $"The RabbitMQ management API at {_connection.ManagementUri} refused user '{_connection.Username}' " +
                $"({(int)response.StatusCode}): check the username, the password and the user's tags and permissions " +
                $"on virtual host '{_connection.VirtualHost}'.");
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        throw new InvalidOperationException(
            $"Could not {what}: the management API answered {(int)response.StatusCode} {response.ReasonPhrase}: {body}");
    }

    private static ErrorMessageInfo ReadMessage(JsonElement item)
    {
        string? messageId = null;
        string? reason = null, exceptionType = null, exceptionMessage = null;
        DateTimeOffset? faultedAt = null;

        if (item.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
        {
            messageId = StringOf(properties, "message_id");
            if (properties.TryGetProperty("headers", out var headers) && headers.ValueKind == JsonValueKind.Object)
            {
                reason = StringOf(headers, "MT-Reason");
                exceptionType = StringOf(headers, "MT-Fault-ExceptionType");
                exceptionMessage = StringOf(headers, "MT-Fault-Message");
                faultedAt = TimestampOf(headers, "MT-Fault-Timestamp");
            }
        }

        var body = BodyOf(item);
        var (envelopeMessageId, eventType) = ReadEnvelope(body);
        return new ErrorMessageInfo(messageId ?? envelopeMessageId, eventType, reason, exceptionType, exceptionMessage, faultedAt);
    }

    private static byte[] BodyOf(JsonElement item)
    {
        if (!item.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.String)
        {
            return [];
        }

        var encoding = item.TryGetProperty("payload_encoding", out var e) ? e.GetString() : "string";
        if (encoding == "base64")
        {
            // Not valid UTF-8 as a whole, or cut inside a character by the truncation.
            return payload.TryGetBytesFromBase64(out var bytes) ? bytes : [];
        }

        return Encoding.UTF8.GetBytes(payload.GetString() ?? string.Empty);
    }

    /// <summary>
    /// Reads <c>messageId</c> and <c>message.eventType</c> from a MassTransit envelope (or <c>eventType</c> from a raw
    /// JSON body) with a forward-only reader that tolerates a body cut by the peek's truncation: MassTransit writes the
    /// event type before the payload, so it is usually found even in a cut body.
    /// </summary>
    private static (string? MessageId, string? EventType) ReadEnvelope(ReadOnlySpan<byte> body)
    {
        string? messageId = null, envelopeEventType = null, rawEventType = null;
        var reader = new Utf8JsonReader(body, isFinalBlock: false, state: default);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return (null, null);
            }

            while (true)
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
                {
                    break;
                }

                var name = reader.GetString();
                if (!reader.Read())
                {
                    break;
                }

                if (Is(name, "messageId") && reader.TokenType == JsonTokenType.String)
                {
                    messageId = reader.GetString();
                }
                else if (Is(name, "eventType") && reader.TokenType == JsonTokenType.String)
                {
                    rawEventType = reader.GetString();
                }
                else if (Is(name, "message") && reader.TokenType == JsonTokenType.StartObject)
                {
                    // MassTransit writes messageId before message: nothing after it is needed.
                    envelopeEventType = FindEventType(ref reader);
                    break;
                }
                else if (!reader.TrySkip())
                {
                    break;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON, or not the JSON we expect: report what was found so far.
        }

        return (messageId, envelopeEventType ?? rawEventType);
    }

    /// <summary>The <c>eventType</c> of the object the reader is on; null when absent or when the body ran out first.</summary>
    private static string? FindEventType(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == depth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            var name = reader.GetString();
            if (!reader.Read())
            {
                return null;
            }

            if (Is(name, "eventType") && reader.TokenType == JsonTokenType.String)
            {
                return reader.GetString();
            }

            if (!reader.TrySkip())
            {
                return null;
            }
        }

        return null;
    }

    private static bool Is(string? name, string expected) => string.Equals(name, expected, StringComparison.OrdinalIgnoreCase);

    private static string? StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? TimestampOf(JsonElement headers, string name)
    {
        if (!headers.TryGetProperty(name, out var value))
        {
            return null;
        }

        // MassTransit writes an ISO 8601 string; an AMQP timestamp shows as Unix seconds.
        return value.ValueKind switch
        {
            JsonValueKind.String when DateTimeOffset.TryParse(
                value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) => parsed,
            JsonValueKind.Number when value.TryGetInt64(out var seconds) => DateTimeOffset.FromUnixTimeSeconds(seconds),
            _ => null,
        };
    }

    /// <summary>
    /// The message as it was first sent: same body, content type, message id and other properties, persistent, without
    /// the headers MassTransit added when it moved it to the error queue (and the client's own publish sequence number).
    /// </summary>
    private static BasicProperties CleanCopy(IReadOnlyBasicProperties original)
    {
        var copy = new BasicProperties(original)
        {
            // It sat in a durable queue; it must survive a broker restart in the next one too.
            Persistent = true,
        };

        if (original.Headers is { } headers)
        {
            copy.Headers = headers
                .Where(h => !IsFaultHeader(h.Key))
                .ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal);
        }

        return copy;
    }

    private static bool IsFaultHeader(string name) =>
        name.StartsWith("MT-Fault-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("MT-Reason", StringComparison.OrdinalIgnoreCase)
        || name.StartsWith("MT-Host-", StringComparison.OrdinalIgnoreCase)
        || name.Equals("x-dotnet-pub-seq-no", StringComparison.Ordinal);

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            HostName = _connection.Host,
            Port = _connection.Port,
            VirtualHost = _connection.VirtualHost,
            UserName = _connection.Username,
            Password = _connection.Password,
            ClientProvidedName = "leadtracker-errors",
            // A command-line tool: fail fast with a clear message rather than retry in the background.
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
        };

        try
        {
            return await factory.CreateConnectionAsync(cancellationToken);
        }
        catch (Exception e) when (e is BrokerUnreachableException or OperationInterruptedException)
        {
            throw CannotConnect(e);
        }
    }

    /// <summary>A channel with publisher confirms, each publish awaiting its own confirm.</summary>
    private async Task<IChannel> OpenChannelAsync(IConnection connection, CancellationToken cancellationToken)
    {
        try
        {
            return await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                cancellationToken);
        }
        catch (Exception e) when (e is OperationInterruptedException or AlreadyClosedException)
        {
            // A missing virtual host shows here: the broker closes the connection right after opening it.
            throw CannotConnect(e);
        }
    }

    private InvalidOperationException CannotConnect(Exception e)
    {
        // The useful words are at the bottom: "Connection refused", "ACCESS_REFUSED …", "vhost … not found".
        var cause = e is OperationInterruptedException { ShutdownReason: { } reason } ? reason.ReplyText : e.GetBaseException().Message;
        return new InvalidOperationException(
            $"Cannot connect to RabbitMQ at amqp://{_connection.Host}:{_connection.Port}/ (virtual host " +
            $"'{_connection.VirtualHost}', user '{_connection.Username}'): {cause}", e);
    }
}
