using System.ComponentModel.DataAnnotations;

namespace LeadTracker.Ingress;

/// <summary>Limits of the webhook endpoint, bound from <c>LeadTracker:Ingress</c>.</summary>
internal sealed class IngressOptions
{
    public const string Section = "LeadTracker:Ingress";

    /// <summary>Bodies above this answer 413. Kapso batches at most 100 messages, far below 1 MiB.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>How long to wait for RabbitMQ's confirm before the events go to the spool (or 503 without one).
    /// Kapso gives up on a request after 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:00:09")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(3);
}
