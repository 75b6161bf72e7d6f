using LeadTracker.Hosting;

namespace LeadTracker.Worker.Api;

/// <summary>Refused bearer tokens: logged at most once a minute per remote address, with the count.</summary>
internal sealed class RefusedTokens(TimeProvider time)
{
    public LogThrottle Throttle { get; } = new(time);
}
