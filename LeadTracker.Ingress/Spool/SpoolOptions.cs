using System.ComponentModel.DataAnnotations;

namespace LeadTracker.Ingress.Spool;

/// <summary>The outage spool, bound from <c>LeadTracker:Spool</c>.</summary>
internal sealed class SpoolOptions
{
    public const string Section = "LeadTracker:Spool";

    /// <summary>Off: a broker outage answers 503 and relies on Kapso's few retries.</summary>
    public bool Enabled { get; set; } = true;

    [Required(AllowEmptyStrings = false)]
    public string Path { get; set; } = "ingress-spool.db";

    /// <summary>When this many events wait, new webhooks answer 503 (disk is finite; Kapso retries a while).</summary>
    [Range(1, 100_000_000)]
    public int MaxEvents { get; set; } = 500_000;
}
