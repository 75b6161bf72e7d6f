using System.ComponentModel.DataAnnotations;

namespace LeadTracker.Hosting;

/// <summary>
/// The broker both sides talk to, bound from <c>LeadTracker:RabbitMq</c> (environment:
/// <c>LeadTracker__RabbitMq__Host</c>, …) and validated at start.
/// </summary>
public sealed class RabbitMqOptions : IValidatableObject
{
    public const string Section = "LeadTracker:RabbitMq";

    [Required(AllowEmptyStrings = false)]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    /// <summary>
    /// The nodes of a cluster, comma-separated <c>host[:port]</c> (port 5672 when left out). When set, it replaces
    /// <see cref="Host"/> and <see cref="Port"/>: the apps connect to the first live node and move to the next when it dies.
    /// </summary>
    public string? Hosts { get; set; }

    /// <summary><c>quorum</c> (replicated; RabbitMQ's advice for data that must not be lost) or <c>classic</c>.</summary>
    public string QueueType { get; set; } = "quorum";

    [Required(AllowEmptyStrings = false)]
    public string VirtualHost { get; set; } = "/";

    [Required(AllowEmptyStrings = false)]
    public string Username { get; set; } = "guest";

    [Required(AllowEmptyStrings = false)]
    public string Password { get; set; } = "guest";

    /// <summary>The management HTTP API, used by <c>errors list</c>, <c>errors replay</c> and the tests.</summary>
    [Range(1, 65535)]
    public int ManagementPort { get; set; } = 15672;

    /// <summary>The parsed <see cref="QueueType"/>; call only on validated options.</summary>
    public StreamQueueType StreamQueueType => Enum.Parse<StreamQueueType>(QueueType, ignoreCase: true);

    /// <summary>Every node to try, in order: <see cref="Hosts"/> when set, else <see cref="Host"/>:<see cref="Port"/>.</summary>
    public IReadOnlyList<BrokerNode> Nodes() =>
        string.IsNullOrWhiteSpace(Hosts) ? [new BrokerNode(Host, Port)] : BrokerNode.ParseList(Hosts);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enum.TryParse<StreamQueueType>(QueueType, ignoreCase: true, out _) || int.TryParse(QueueType, out _))
        {
            yield return new ValidationResult($"QueueType '{QueueType}' must be 'quorum' or 'classic'", [nameof(QueueType)]);
        }

        if (!string.IsNullOrWhiteSpace(Hosts) && BrokerNode.ListError(Hosts) is { } error)
        {
            yield return new ValidationResult($"Hosts '{Hosts}': {error} (expected host[:port],host[:port],…)", [nameof(Hosts)]);
        }
    }
}
