using System.Runtime.InteropServices;
using LeadTracker.Contracts;
using LeadTracker.Hosting;
using MassTransit;

namespace LeadTracker.Ingress.Relay;

/// <summary>
/// One stream's way to RabbitMQ. Webhooks that arrive while earlier sends wait for their confirms are coalesced
/// into one broker message (up to <see cref="IngressOptions.MaxEventsPerMessage"/> events and
/// <see cref="IngressOptions.MaxMessageBytes"/> bytes), sent with one publisher confirm; every waiting webhook is
/// answered after that confirm, or all of them spool. At low load each webhook is sent at once, alone: batches
/// form only when <see cref="IngressOptions.PublishesInFlight"/> sends are already waiting, so coalescing adds
/// no latency, it only absorbs what would have queued anyway.
/// </summary>
internal abstract class CoalescingPublisher : IAsyncDisposable
{
    private readonly GroupedWork<Pending, bool> _waiting = new();

    private readonly SemaphoreSlim _slots;
    private readonly int _inFlight;
    private readonly int _maxEvents;
    private readonly long _maxBytes;
    private readonly TimeSpan _window;
    private readonly Task _loop;

    protected CoalescingPublisher(IngressOptions options)
    {
        _inFlight = options.PublishesInFlight;
        _slots = new SemaphoreSlim(_inFlight, _inFlight);
        _maxEvents = options.MaxEventsPerMessage;
        _maxBytes = options.MaxMessageBytes;
        _window = options.CoalesceWindow;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Completes once RabbitMQ confirmed every event; throws on a broker failure or after <paramref name="timeout"/>.</summary>
    public Task PublishAsync(IReadOnlyList<IKapsoEvent> events, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        // A webhook larger than one message (a batch of thousands of tiny items) goes out in several.
        var sends = events.Chunk(_maxEvents).Select(chunk => _waiting.Add(new Pending(chunk, deadline), this)).ToArray();
        return Task.WhenAll(sends).WaitAsync(timeout, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _waiting.Close();
        await _loop;
        _slots.Dispose();
    }

    /// <summary>Sends one broker message carrying <paramref name="events"/> and completes on its confirm.</summary>
    protected abstract Task SendAsync(IReadOnlyList<IKapsoEvent> events, CancellationToken cancellationToken);

    private async Task RunAsync()
    {
        while (true)
        {
            // A free send slot first, then whatever has queued up meanwhile: that is the coalescing.
            await _slots.WaitAsync();
            if (!await _waiting.WaitAsync())
            {
                _slots.Release();
                break;
            }

            if (_window > TimeSpan.Zero) await Task.Delay(_window);
            _ = SendBatchAsync(_waiting.Take(_maxEvents, static p => p.Events.Count, _maxBytes, static p => p.Bytes));
        }

        // Let the sends in flight finish before the host goes.
        for (var i = 0; i < _inFlight; i++) await _slots.WaitAsync();
    }

    private async Task SendBatchAsync(List<GroupedWork<Pending, bool>.Waiter> batch)
    {
        try
        {
            var remaining = batch.Max(p => p.Item.Deadline) - DateTimeOffset.UtcNow;
            using var deadline = new CancellationTokenSource(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            await SendAsync(batch.Count == 1 ? batch[0].Item.Events : batch.SelectMany(p => p.Item.Events).ToArray(), deadline.Token);
            foreach (var pending in batch) pending.Done.TrySetResult(true);
        }
        catch (Exception e)
        {
            foreach (var pending in batch) pending.Done.TrySetException(e);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>The headers an operator reads in the management UI and <c>errors list</c> reads from the error queue.</summary>
    protected static void Describe(SendContext context, IReadOnlyList<IKapsoEvent> events)
    {
        context.Headers.Set(EventHeaders.EventType, string.Join(',', events.Select(e => e.EventType.Name).Distinct()));
        context.Headers.Set(EventHeaders.EventCount, events.Count);
        if (events is [{ IdempotencyKey: { } key }]) context.Headers.Set(EventHeaders.IdempotencyKey, key);
    }

    private sealed record Pending(IReadOnlyList<IKapsoEvent> Events, DateTimeOffset Deadline)
    {
        public long Bytes { get; } = Events.Sum(e => (long)JsonMarshal.GetRawUtf8Value(e.Payload).Length);
    }
}

/// <summary>A stream's publisher with its typed contracts: the event record and the message that carries a list of them.</summary>
internal sealed class CoalescingPublisher<TEvent, TMessage>(
    StreamQueues queues,
    string queue,
    Func<TEvent[], TMessage> toMessage,
    IngressOptions options) : CoalescingPublisher(options)
    where TEvent : class, IKapsoEvent
    where TMessage : class
{
    // StreamQueues declares the queue (with its quorum or classic arguments) from this side too, so events are
    // kept even before any worker has ever started.
    protected override async Task SendAsync(IReadOnlyList<IKapsoEvent> events, CancellationToken cancellationToken)
    {
        var endpoint = await queues.SendEndpointAsync(queue, cancellationToken);
        // EventRelay grouped the events by their row's stream, so each is this stream's record already.
        await endpoint.Send(toMessage(events.Cast<TEvent>().ToArray()), context => Describe(context, events), cancellationToken);
    }
}
