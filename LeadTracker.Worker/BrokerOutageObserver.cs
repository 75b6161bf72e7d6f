using LeadTracker.Hosting;
using MassTransit;

namespace LeadTracker.Worker;

/// <summary>
/// Feeds the worker's <see cref="BrokerOutageLog"/> from MassTransit's receive endpoints: each reconnect attempt that
/// fails faults an endpoint, and an endpoint that consumes again is ready.
/// </summary>
internal sealed class BrokerOutageObserver(BrokerOutageLog outage) : IReceiveEndpointObserver
{
    public Task Ready(ReceiveEndpointReady ready)
    {
        outage.Succeeded();
        return Task.CompletedTask;
    }

    public Task Faulted(ReceiveEndpointFaulted faulted)
    {
        outage.Failed(faulted.Exception is { } e ? $"{e.GetType().Name}: {e.Message}" : "receive endpoint faulted");
        return Task.CompletedTask;
    }

    public Task Stopping(ReceiveEndpointStopping stopping) => Task.CompletedTask;

    public Task Completed(ReceiveEndpointCompleted completed) => Task.CompletedTask;
}
