using LeadTracker.Hosting;

namespace LeadTracker.Ingress;

/// <summary>The ingress's one <see cref="LogThrottle"/>: bad signatures per remote address, header mismatches.</summary>
internal sealed class UnauthenticatedLog(TimeProvider time)
{
    public LogThrottle Throttle { get; } = new(time);
}
