using System.ComponentModel.DataAnnotations;

namespace LeadTracker.Ingress;

/// <summary>Limits of the webhook endpoint, bound from <c>LeadTracker:Ingress</c>.</summary>
internal sealed class IngressOptions
{
    public const string Section = "LeadTracker:Ingress";

    /// <summary>Bodies above this answer 413. Kapso batches at most 100 messages, far below 1 MiB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Most events one signed batch may carry; more answer 413. Kapso buffers at most 100 per batch: the cap bounds
    /// what one request can put on the queues (a 1 MiB body of <c>{}</c> items would otherwise be ~300,000 events).
    /// </summary>
    [Range(100, 100_000)]
    public int MaxEventsPerWebhook { get; set; } = 1000;

    /// <summary>How long to wait for RabbitMQ's confirm before the events go to the spool (or 503 without one).
    /// Kapso gives up on a request after 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:09")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The most events one broker message carries; concurrent webhooks share a message up to this.</summary>
    [Range(1, 10_000)]
    public int MaxEventsPerMessage { get; set; } = 200;

    /// <summary>The most payload bytes one coalesced broker message carries (a single webhook may exceed it alone).</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 512 * 1024;

    /// <summary>Broker messages per stream waiting for their confirm at once; webhooks arriving meanwhile are coalesced.</summary>
    [Range(1, 256)]
    public int PublishesInFlight { get; set; } = 4;

    /// <summary>Extra time a send waits for more webhooks before it goes; zero: batches form only under load.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:00.100")]
    public TimeSpan CoalesceWindow { get; set; } = TimeSpan.Zero;
}
