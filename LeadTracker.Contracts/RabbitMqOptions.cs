using System.ComponentModel.DataAnnotations;

namespace LeadTracker.Contracts;

/// <summary>
/// The broker both sides talk to, bound from <c>LeadTracker:RabbitMq</c> (environment:
/// <c>LeadTracker__RabbitMq__Host</c>, …) and validated at start.
/// </summary>
public sealed class RabbitMqOptions
{
    public const string Section = "LeadTracker:RabbitMq";

    [Required(AllowEmptyStrings = false)]
    public string Host { get; set; } = "localhost";

    [Range(1, 65535)]
    public int Port { get; set; } = 5672;

    [Required(AllowEmptyStrings = false)]
    public string VirtualHost { get; set; } = "/";

    [Required(AllowEmptyStrings = false)]
    public string Username { get; set; } = "guest";

    [Required(AllowEmptyStrings = false)]
    public string Password { get; set; } = "guest";

    /// <summary>The management HTTP API, used by <c>errors list</c>, <c>errors replay</c> and the tests.</summary>
    [Range(1, 65535)]
    public int ManagementPort { get; set; } = 15672;
}
