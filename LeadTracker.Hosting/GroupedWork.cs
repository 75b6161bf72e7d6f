using System.Threading.Channels;

namespace LeadTracker.Hosting;

/// <summary>
/// Work that callers queue and one loop serves in groups: the ingress's coalescing publisher (one broker message and
/// one confirm per group) and the worker's group commit (one transaction per group). Each caller awaits its own
/// task, completed once its group is done; completions run off the loop, so a slow caller never delays the next group.
/// </summary>
/// <remarks>Not a wire type: it lives here only because both apps reference this project.</remarks>
public sealed class GroupedWork<TItem, TResult>
{
    private readonly Channel<Waiter> _queue =
        Channel.CreateUnbounded<Waiter>(new UnboundedChannelOptions { SingleReader = true });

    /// <returns>Completes with the item's result, or faults with the reason its group failed.</returns>
    /// <exception cref="ObjectDisposedException"><see cref="Close"/> was called.</exception>
    public Task<TResult> Add(TItem item, object owner)
    {
        var waiter = new Waiter(item);
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(waiter), owner);
        return waiter.Done.Task;
    }

    /// <summary>Waits for work; false once <see cref="Close"/> was called and nothing is left.</summary>
    public ValueTask<bool> WaitAsync() => _queue.Reader.WaitToReadAsync();

    /// <summary>
    /// What has queued up, oldest first, while the group stays within <paramref name="maxCount"/> (as
    /// <paramref name="count"/> counts) and <paramref name="maxBytes"/>; the first item is taken whatever its size.
    /// </summary>
    public List<Waiter> Take(int maxCount, Func<TItem, int> count, long maxBytes = long.MaxValue, Func<TItem, long>? bytes = null)
    {
        var group = new List<Waiter>();
        var (counted, weighed) = (0L, 0L);
        while (_queue.Reader.TryPeek(out var next))
        {
            var (c, b) = (count(next.Item), bytes?.Invoke(next.Item) ?? 0);
            if (group.Count > 0 && (counted + c > maxCount || weighed + b > maxBytes)) break;
            if (!_queue.Reader.TryRead(out next)) break;
            group.Add(next);
            (counted, weighed) = (counted + c, weighed + b);
        }

        return group;
    }

    /// <summary>Takes no more work; what is queued is still served.</summary>
    public void Close() => _queue.Writer.TryComplete();

    public sealed class Waiter(TItem item)
    {
        public TItem Item { get; } = item;

        public TaskCompletionSource<TResult> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
