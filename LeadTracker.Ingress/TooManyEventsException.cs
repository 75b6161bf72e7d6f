namespace LeadTracker.Ingress;

/// <summary>A signed batch carries more items than <see cref="IngressOptions.MaxEventsPerWebhook"/>: refused with 413.</summary>
internal sealed class TooManyEventsException(int count, int max)
    : Exception($"the batch carries {count} events, more than the {max} allowed (LeadTracker__Ingress__MaxEventsPerWebhook)")
{
    public int Count { get; } = count;
}
