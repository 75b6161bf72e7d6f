using System.Globalization;

namespace LeadTracker.Benchmark.Reporting;

/// <summary>
/// How much of some processes' CPU went to .NET's tiered compilation (the threads the runtime names
/// <c>.NET Tiered Compilation Worker</c>, <c>.NET Tiered Com</c> in <c>/proc</c>). For tens of seconds after a start the
/// JIT keeps recompiling hot methods (with dynamic PGO, twice: instrumented, then optimised); measured inside that
/// time, a quarter of a 50,000-event run's CPU was the JIT, not the code under test (docs/performance.md).
/// </summary>
internal sealed class JitSettling
{
    /// <summary>The JIT's share of the CPU below which a warm-up round counts as steady state.</summary>
    public const double SettledShare = 0.03;

    private readonly IReadOnlyList<int> _pids;
    private double _processStart;
    private double _jitStart;

    public JitSettling(IEnumerable<int> pids)
    {
        _pids = [.. pids];
        Restart();
    }

    /// <summary>The JIT's share of the processes' CPU since the last <see cref="Restart"/> (0 when they used none).</summary>
    public double Share
    {
        get
        {
            var process = _pids.Sum(ProcessSeconds) - _processStart;
            return process <= 0 ? 0 : Math.Clamp((_pids.Sum(JitSeconds) - _jitStart) / process, 0, 1);
        }
    }

    public void Restart()
    {
        _processStart = _pids.Sum(ProcessSeconds);
        _jitStart = _pids.Sum(JitSeconds);
    }

    /// <summary>
    /// Runs <paramref name="round"/> until one used the JIT for less than <see cref="SettledShare"/> of the CPU, at most
    /// <paramref name="maxRounds"/> times; returns the rounds run and the last round's JIT share.
    /// </summary>
    public static async Task<(int Rounds, double JitShare)> WarmUpAsync(IEnumerable<int> pids, int maxRounds, Func<Task> round)
    {
        var jit = new JitSettling(pids);
        for (var i = 1; ; i++)
        {
            jit.Restart();
            await round();
            var share = jit.Share;
            if (share < SettledShare || i == maxRounds) return (i, share);
        }
    }

    public static string Describe(int rounds, double share) => string.Create(
        CultureInfo.InvariantCulture, $"warm-up {rounds} round(s), the last with {share:P0} of the CPU in the JIT");

    private static double ProcessSeconds(int pid) => ZeroWhenGone(CpuTime.Seconds(pid));

    /// <summary>The tiered-compilation threads' CPU; a thread that ended since is no longer counted (it was idle).</summary>
    private static double JitSeconds(int pid)
    {
        try
        {
            return Directory.EnumerateDirectories($"/proc/{pid}/task")
                .Where(task => CpuTime.CommandName(task).StartsWith(".NET Tiered", StringComparison.Ordinal))
                .Sum(task => ZeroWhenGone(CpuTime.Seconds(Path.Combine(task, "stat"))));
        }
        catch (DirectoryNotFoundException)
        {
            return 0;
        }
    }

    private static double ZeroWhenGone(double seconds) => double.IsNaN(seconds) ? 0 : seconds;
}
