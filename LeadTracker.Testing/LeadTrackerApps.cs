namespace LeadTracker.Testing;

/// <summary>The built ingress and worker that a <see cref="LeadTrackerSystem"/> runs.</summary>
public sealed record LeadTrackerApps(string IngressDll, string WorkerDll)
{
    /// <summary>The services built in this checkout beside the running assembly (what the test project references).</summary>
    public static LeadTrackerApps InThisCheckout() =>
        new(RepoPaths.ServiceDll("LeadTracker.Ingress"), RepoPaths.ServiceDll("LeadTracker.Worker"));
}
