using System.Diagnostics;

namespace LeadTracker.Benchmark.Load;

/// <summary>Every request's latency kept (no buckets), sorted once at the end: exact percentiles, HDR-style.</summary>
internal sealed class Latencies(int capacity)
{
    private readonly long[] _ticks = new long[capacity];
    private int _count;

    public int Count => _count;

    public void Record(long stopwatchTicks)
    {
        var i = Interlocked.Increment(ref _count) - 1;
        if (i < _ticks.Length)
        {
            _ticks[i] = stopwatchTicks;
        }
    }

    public LatencySummary Summarize()
    {
        var n = Math.Min(_count, _ticks.Length);
        if (n == 0)
        {
            return LatencySummary.None;
        }

        var sorted = _ticks.AsSpan(0, n).ToArray();
        Array.Sort(sorted);
        return new LatencySummary(n, Ms(At(sorted, 0.50)), Ms(At(sorted, 0.99)), Ms(At(sorted, 0.999)), Ms(sorted[^1]));
    }

    private static long At(long[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}

internal sealed record LatencySummary(int Count, double P50, double P99, double P999, double Max)
{
    public static readonly LatencySummary None = new(0, double.NaN, double.NaN, double.NaN, double.NaN);
}
