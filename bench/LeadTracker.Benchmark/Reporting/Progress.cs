using System.Diagnostics;
using System.Globalization;

namespace LeadTracker.Benchmark.Reporting;

/// <summary>One line a second while a phase runs: phase, seconds, sent, stored, stored rate over the last second.</summary>
internal sealed class Progress : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private Progress(string phase, Func<(long Sent, long Stored)> sample)
    {
        _loop = RunAsync(phase, sample, _stop.Token);
    }

    public static Progress Start(string phase, Func<(long Sent, long Stored)> sample) => new(phase, sample);

    private static async Task RunAsync(string phase, Func<(long Sent, long Stored)> sample, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        long lastStored = 0;
        var lastAt = TimeSpan.Zero;
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                var (sent, stored) = sample();
                var now = clock.Elapsed;
                var rate = (stored - lastStored) / (now - lastAt).TotalSeconds;
                lastStored = stored;
                lastAt = now;
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"  {phase,-26} {now.TotalSeconds,5:F0}s  sent {sent,9:N0}  stored {stored,9:N0}  rate {rate,8:N0}/s"));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
