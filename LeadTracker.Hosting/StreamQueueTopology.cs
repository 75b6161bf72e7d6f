namespace LeadTracker.Hosting;

/// <summary>
/// The arguments every stream queue is declared with, the same on both sides: RabbitMQ refuses a declaration whose
/// arguments differ from the existing queue's (PRECONDITION_FAILED), so the ingress and the worker take them from
/// here. Changing a value here changes what existing queues must be re-created with (docs/operations.md, "Moving to quorum queues").
/// </summary>
public static class StreamQueueTopology
{
    /// <summary>
    /// Deliveries of one message before a quorum queue dead-letters it into <c>&lt;queue&gt;_error</c>. MassTransit
    /// retries in memory and moves an event that can never apply to <c>_error</c> itself, with its reason, at the first
    /// delivery; what this limit catches is a message that keeps coming back because the worker dies while holding
    /// it (a crash loop on one payload). Redelivery after an ordinary worker restart or a node failure counts too,
    /// so the limit is far above what a few such faults add.
    /// </summary>
    public const int DeliveryLimit = 10;

    public const string QueueTypeArgument = "x-queue-type";

    /// <summary>Arguments of <c>lead-message-events</c> and <c>lead-contact-events</c>.</summary>
    public static IReadOnlyDictionary<string, object> StreamQueueArguments(StreamQueueType type, string queue) => type switch
    {
        // Exactly what LeadTracker declared before quorum queues, so an existing install keeps its queues.
        StreamQueueType.Classic => new Dictionary<string, object>(),
        StreamQueueType.Quorum => new Dictionary<string, object>
        {
            [QueueTypeArgument] = "quorum",
            ["x-delivery-limit"] = DeliveryLimit,
            // MassTransit's error exchange, bound to the _error queue.
            ["x-dead-letter-exchange"] = queue + QueueNames.ErrorSuffix,
            // The message leaves the queue only once the _error queue has confirmed it; at-least-once
            // dead-lettering requires reject-publish overflow (no length limit is set, so it never applies).
            ["x-dead-letter-strategy"] = "at-least-once",
            ["x-overflow"] = "reject-publish",
        },
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>Arguments of <c>&lt;queue&gt;_error</c> and <c>&lt;queue&gt;_skipped</c>: the same type, no limit, no dead-lettering.</summary>
    public static IReadOnlyDictionary<string, object> SideQueueArguments(StreamQueueType type) => type switch
    {
        StreamQueueType.Classic => new Dictionary<string, object>(),
        StreamQueueType.Quorum => new Dictionary<string, object> { [QueueTypeArgument] = "quorum" },
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
