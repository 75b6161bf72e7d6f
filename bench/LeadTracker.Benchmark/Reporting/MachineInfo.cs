using System.Globalization;
using Microsoft.Data.Sqlite;

namespace LeadTracker.Benchmark.Reporting;

/// <summary>What the table header says about the machine: CPU, cores, memory, OS, versions, the disk under SQLite.</summary>
internal sealed record MachineInfo(
    string Cpu, int Cores, double MemoryGiB, string Os, string Kernel, string Dotnet, string RabbitMq, string Sqlite, string Disk,
    string LoadAverage)
{
    public static MachineInfo Collect(string workDirectory, string rabbitMqVersion)
    {
        var cpu = ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        var memKb = ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal))?
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
        var os = ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))?[12..].Trim('"') ?? "?";
        var kernel = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "?";
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT sqlite_version()";
        var sqlite = (string)command.ExecuteScalar()!;
        return new MachineInfo(
            cpu,
            Environment.ProcessorCount,
            memKb is null ? 0 : long.Parse(memKb, CultureInfo.InvariantCulture) / 1024.0 / 1024.0,
            os,
            kernel,
            Environment.Version.ToString(),
            rabbitMqVersion,
            sqlite,
            DiskOf(workDirectory),
            File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?");
    }

    private static string DiskOf(string directory)
    {
        var full = Path.GetFullPath(directory);
        var mount = ReadLines("/proc/mounts")
            .Select(l => l.Split(' '))
            .Where(f => f.Length > 2 && full.StartsWith(f[1], StringComparison.Ordinal))
            .MaxBy(f => f[1].Length);
        return mount is null ? full : $"{full} ({mount[2]} on {mount[0]})";
    }

    private static IEnumerable<string> ReadLines(string path) => File.Exists(path) ? File.ReadLines(path) : [];
}
