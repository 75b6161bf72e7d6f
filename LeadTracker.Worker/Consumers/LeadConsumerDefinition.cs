using MassTransit;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Consumers;

/// <summary>
/// Receive-endpoint settings both streams share. SQLite contention is retried inside the store (Polly); what
/// reaches MassTransit's retry is a short fault worth three more tries, or a payload that can never apply and
/// goes straight to <c>_error</c>. Total attempts per message: 1 + 3.
/// </summary>
internal abstract class LeadConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    private readonly WorkerOptions _options;

    protected LeadConsumerDefinition(IOptions<WorkerOptions> options, string queue)
    {
        _options = options.Value;
        EndpointName = queue;
        // Every message in flight waits in the group commit: as many as prefetch brings in.
        ConcurrentMessageLimit = _options.PrefetchCount;
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Ignore<Exception>(ConsumerRetry.IsPermanent);
            retry.Intervals(ConsumerRetry.Intervals);
        });

        // Prefetch feeds the group commit: enough messages in flight to fill a transaction.
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit) rabbit.PrefetchCount = _options.PrefetchCount;
    }
}
