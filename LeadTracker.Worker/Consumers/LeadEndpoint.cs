using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Storage;
using MassTransit;

namespace LeadTracker.Worker.Consumers;

/// <summary>
/// Receive-endpoint settings both streams share. SQLite contention is retried inside the store (Polly); what
/// reaches MassTransit's retry is a short fault worth three more tries, or a payload that can never apply and
/// goes straight to <c>_error</c>. Total attempts per message: 1 + 3.
/// </summary>
internal static class LeadEndpoint
{
    public static void Configure(IReceiveEndpointConfigurator endpoint, WorkerOptions options)
    {
        endpoint.UseMessageRetry(retry =>
        {
            retry.Ignore<InvalidKapsoPayloadException>();
            retry.Ignore<UnknownWorkspaceException>();
            retry.Intervals(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        });

        // Prefetch feeds the group commit: enough messages in flight to fill a transaction.
        if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.PrefetchCount = options.PrefetchCount;
    }
}
