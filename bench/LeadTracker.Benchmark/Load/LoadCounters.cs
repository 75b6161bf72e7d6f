namespace LeadTracker.Benchmark.Load;

/// <summary>Live counters of a load run, read by the progress line.</summary>
internal sealed class LoadCounters
{
    private long _requests;
    private long _events;
    private long _failures;
    private long _retries;

    public long Requests => Interlocked.Read(ref _requests);

    public long Events => Interlocked.Read(ref _events);

    public long Failures => Interlocked.Read(ref _failures);

    public long Retries => Interlocked.Read(ref _retries);

    public void Sent(int events)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _events, events);
    }

    public void Failed() => Interlocked.Increment(ref _failures);

    public void Retried() => Interlocked.Increment(ref _retries);
}
