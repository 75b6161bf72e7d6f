using System.Diagnostics;
using System.Globalization;

namespace LeadTracker.Benchmark.Reporting;

/// <summary>
/// CPU seconds used by the processes of a scenario (user + system, from <c>/proc/&lt;pid&gt;/stat</c>): on a
/// machine whose cores are all busy, the CPU each design spends per event is what decides its rate.
/// </summary>
internal sealed class CpuTime
{
    private readonly Dictionary<string, (int Pid, double Start)> _processes = [];

    public static CpuTime Start(IEnumerable<(string Name, int Pid)> processes)
    {
        var cpu = new CpuTime();
        foreach (var (name, pid) in processes) cpu._processes[name] = (pid, Seconds(pid));
        return cpu;
    }

    /// <summary>The benchmark itself (load generator, in-process naive server), this process.</summary>
    public static (string, int) Self => ("bench", Environment.ProcessId);

    /// <summary>RabbitMQ's Erlang VM, when it runs on this machine.</summary>
    public static IEnumerable<(string, int)> Broker()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            if (CommandName(dir) == "beam.smp") yield return ("rabbitmq", pid);
        }
    }

    /// <summary>"CPU ms per event: ingress 0.21, worker 0.18, …" since <see cref="Start"/>.</summary>
    public string PerEvent(long events) => "CPU ms per event: " + string.Join(", ", _processes.Select(p =>
        string.Create(CultureInfo.InvariantCulture, $"{p.Key} {(Seconds(p.Value.Pid) - p.Value.Start) * 1000 / events:F2}")));

    /// <summary>utime + stime of a process, in seconds; NaN once it is gone.</summary>
    public static double Seconds(int pid) => Seconds($"/proc/{pid}/stat");

    /// <summary>The <c>comm</c> of a <c>/proc/&lt;pid&gt;</c> or <c>/proc/&lt;pid&gt;/task/&lt;tid&gt;</c> folder; empty once it is gone.</summary>
    public static string CommandName(string procFolder)
    {
        try
        {
            return File.ReadAllText(Path.Combine(procFolder, "comm")).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>
    /// utime + stime of a <c>/proc/&lt;pid&gt;/stat</c> or <c>/proc/&lt;pid&gt;/task/&lt;tid&gt;/stat</c> file, in seconds;
    /// NaN once it is gone. Fields 14 and 15 after the ")" that ends the command name, in clock ticks (100/s on Linux).
    /// </summary>
    public static double Seconds(string statFile)
    {
        try
        {
            var stat = File.ReadAllText(statFile);
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return double.NaN;
        }
    }
}
