using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using LeadTracker.Contracts;
using LeadTracker.Hosting;

namespace LeadTracker.Worker.Errors;

/// <summary>
/// Operator access to MassTransit's <c>_error</c> queues through the RabbitMQ management API. List peeks and puts the
/// messages back; replay hands the move to a dynamic shovel (<c>ack-mode: on-confirm</c>: a message leaves
/// <c>_error</c> only once its queue confirmed the copy) that removes itself after moving the requested number.
/// </summary>
internal sealed class ErrorQueueClient(ErrorQueueConnection connection) : IDisposable
{
    private readonly ManagementApi _api = new(connection);

    /// <summary>The error queue of <paramref name="queue"/>; a name that already ends in <c>_error</c> is kept.</summary>
    public static string ErrorQueueOf(string queue) => ConsumerQueueOf(queue) + QueueNames.ErrorSuffix;

    /// <summary>The consumer queue behind <paramref name="queue"/>: the name without its <c>_error</c> suffix.</summary>
    public static string ConsumerQueueOf(string queue) =>
        queue.EndsWith(QueueNames.ErrorSuffix, StringComparison.Ordinal) ? queue[..^QueueNames.ErrorSuffix.Length] : queue;

    /// <summary>Counts each queue's <c>_error</c> queue and peeks at up to <paramref name="peek"/> messages; a missing one is empty.</summary>
    public async Task<IReadOnlyList<ErrorQueueSummary>> ListAsync(IEnumerable<string> queues, int peek, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(peek);
        var summaries = new List<ErrorQueueSummary>();
        foreach (var queue in queues)
        {
            var (count, messages) = await PeekAsync(ErrorQueueOf(queue), peek, cancellationToken);
            summaries.Add(new ErrorQueueSummary(ConsumerQueueOf(queue), ErrorQueueOf(queue), count is not null, count ?? 0, messages));
        }

        return summaries;
    }

    public Task<ReplayResult> ReplayAsync(string queue, int? max, CancellationToken cancellationToken) =>
        ReplayAsync(queue, max, progress: null, cancellationToken);

    /// <summary>
    /// Moves at most <paramref name="max"/> (all when null) messages from <c>&lt;queue&gt;_error</c> back to the queue, and
    /// never more than were there when the replay began: one that fails again returns to <c>_error</c> and is not looped.
    /// Body and headers travel as they are; if a message faults again, MassTransit writes its fault headers anew.
    /// </summary>
    public async Task<ReplayResult> ReplayAsync(string queue, int? max, Action<int>? progress, CancellationToken cancellationToken)
    {
        var (target, errorQueue) = (ConsumerQueueOf(queue), ErrorQueueOf(queue));
        var initial = (await PeekAsync(errorQueue, 0, cancellationToken)).Count ?? 0;
        if (initial == 0)
        {
            return new ReplayResult(target, errorQueue, Moved: 0, Remaining: 0);
        }

        if (await _api.GetAsync<JsonObject>(_api.Path("queues", target), cancellationToken) is null)
        {
            throw new InvalidOperationException(
                $"Queue '{target}' does not exist in virtual host '{connection.VirtualHost}': start the worker once so it " +
                $"declares its queues, then replay. The {initial} message(s) in '{errorQueue}' were not touched.");
        }

        var (name, budget, local) = ("leadtracker-replay-" + errorQueue, (int)Math.Min(max ?? int.MaxValue, initial), "amqp:///" + Uri.EscapeDataString(connection.VirtualHost));
        var shovel = _api.Path("parameters/shovel", name);
        if (await _api.GetAsync<JsonObject>(shovel, cancellationToken) is not null)
        {
            throw new InvalidOperationException($"A replay of '{errorQueue}' is already running (shovel '{name}').");
        }

        var definition = new Dictionary<string, object>
        {
            ["src-uri"] = local, ["src-queue"] = errorQueue, ["src-delete-after"] = budget, ["src-prefetch-count"] = Math.Min(budget, 1000),
            ["dest-uri"] = local, ["dest-queue"] = target, ["ack-mode"] = "on-confirm",
        };
        using (var created = await _api.SendAsync(HttpMethod.Put, shovel, JsonContent.Create(new { value = definition }), cancellationToken))
        {
            await _api.EnsureSuccessAsync(created, $"create shovel '{name}' (the user needs the policymaker tag)", cancellationToken);
        }

        try
        {
            // Done when the shovel has deleted its definition and stopped (its surplus prefetch then is back in _error).
            for (var busy = DateTime.UtcNow; ; await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken))
            {
                var defined = await _api.GetAsync<JsonObject>(shovel, cancellationToken) is not null;
                var status = (await _api.GetAsync<JsonArray>(_api.Path("shovels"), cancellationToken))?.FirstOrDefault(s => (string?)s?["name"] == name);
                if (!defined && status is null)
                {
                    break;
                }

                if (defined && (string?)status?["state"] == "terminated")
                {
                    throw new InvalidOperationException($"Shovel '{name}' stopped: {status?["reason"]?.ToJsonString()}");
                }

                // Statistics lag by the broker's collection interval: good for progress, not for the result.
                var left = (long?)(await _api.GetAsync<JsonObject>(_api.Path("queues", errorQueue), cancellationToken))?["messages"];
                progress?.Invoke((int)Math.Clamp(initial - (left ?? initial), 0, budget));
                busy = left is 0 ? busy : DateTime.UtcNow;
                if (DateTime.UtcNow - busy > TimeSpan.FromSeconds(15))
                {
                    throw new InvalidOperationException($"'{errorQueue}' ran dry before {budget} message(s) moved: did something else consume it?");
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException)
        {
            // Stop the move; with on-confirm every message is in _error, in its queue, or (at worst) in both.
            using var deleted = await _api.SendAsync(HttpMethod.Delete, shovel, null, CancellationToken.None);
            throw;
        }

        return new ReplayResult(target, errorQueue, budget, (await PeekAsync(errorQueue, 0, cancellationToken)).Count ?? 0);
    }

    public void Dispose() => _api.Dispose();

    /// <summary>
    /// Takes up to <paramref name="peek"/> messages and puts them back (<c>ack_requeue_true</c>, which only marks them
    /// redelivered). At least one is taken: basic.get's <c>message_count</c> is exact now, while the queue's statistics
    /// lag. A null count: no such queue.
    /// </summary>
    private async Task<(long? Count, List<ErrorMessageInfo> Messages)> PeekAsync(string errorQueue, int peek, CancellationToken cancellationToken)
    {
        var request = JsonContent.Create(new { count = Math.Max(peek, 1), ackmode = "ack_requeue_true", encoding = "auto", truncate = 50_000 });
        using var response = await _api.SendAsync(HttpMethod.Post, _api.Path("queues", errorQueue) + "/get", request, cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Unauthorized)
        {
            // A missing queue is 404, a missing virtual host 401: tell them apart.
            if (await _api.GetAsync<JsonObject>(_api.Path("vhosts"), cancellationToken) is null)
            {
                throw new InvalidOperationException($"Virtual host '{connection.VirtualHost}' does not exist on {connection.ManagementUri}.");
            }

            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return (null, []);
            }
        }

        await _api.EnsureSuccessAsync(response, $"peek at '{errorQueue}'", cancellationToken);
        var items = (await response.Content.ReadFromJsonAsync<JsonArray>(cancellationToken))!;
        var count = items.Count == 0 ? 0 : items.Count + (long)items[^1]!["message_count"]!;
        return (count, items.Take(peek).Select(item => ReadMessage(item!)).ToList());
    }

    private static ErrorMessageInfo ReadMessage(JsonNode item)
    {
        var properties = item["properties"] as JsonObject; // an empty array when the message has none
        string? Header(string name) => properties?["headers"]?[name] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

        return new ErrorMessageInfo(
            (string?)properties?["message_id"],
            Header(EventHeaders.EventType) ?? EventTypeInBody(item),
            Header(EventHeaders.IdempotencyKey),
            Header("MT-Reason"),
            Header("MT-Fault-ExceptionType"),
            Header("MT-Fault-Message"),
            DateTimeOffset.TryParse(Header("MT-Fault-Timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null);
    }

    /// <summary>For messages that faulted before the ingress set <c>LeadTracker-Event-Type</c>: the envelope's event type.</summary>
    private static string? EventTypeInBody(JsonNode item)
    {
        try
        {
            return (string?)JsonNode.Parse((string?)item["payload"] ?? "")?["message"]?["eventType"];
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null; // cut by the peek's truncation, base64 (not UTF-8), or not a MassTransit envelope
        }
    }
}
