using System.Globalization;
using System.Text;
using LeadTracker.Benchmark.Load;

namespace LeadTracker.Benchmark.Reporting;

/// <summary>One line of the results table.</summary>
internal sealed record ResultRow(
    string Key, string Scenario, long Events, TimeSpan Elapsed, LatencySummary? Latency, IReadOnlyList<PeakMemory> Memory, string Notes,
    bool Complete = true)
{
    public double EventsPerSecond => Events / Elapsed.TotalSeconds;

    public string MemoryText => string.Join(", ", Memory.Select(m => m.ToString()));

    public long? PeakBytesOf(string process) => Memory.FirstOrDefault(m => m.Process == process)?.Bytes;
}

/// <summary>Peak resident set (VmHWM) of one process over the scenario.</summary>
internal sealed record PeakMemory(string Process, long Bytes)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Process} {Bytes / 1_000_000.0:N0} MB");
}

/// <summary>The markdown table printed at the end and written to <c>bench/results/&lt;date&gt;.md</c>.</summary>
internal sealed class Report(MachineInfo machine, string command, DateTimeOffset startedAt)
{
    private readonly List<ResultRow> _rows = [];
    private readonly List<string> _notes = [];

    public IReadOnlyList<ResultRow> Rows => _rows;

    /// <summary>Figures the targets need that are not a row's events/s (the end-to-end request rate, …).</summary>
    public Dictionary<string, double> Figures { get; } = [];

    public void Add(ResultRow row)
    {
        _rows.Add(row);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  => {row.Scenario}: {row.EventsPerSecond:N0} events/s ({row.Events:N0} in {row.Elapsed.TotalSeconds:F1} s){Lat(row.Latency)}{(row.Complete ? "" : " INCOMPLETE")}"));
    }

    public void Note(string note)
    {
        _notes.Add(note);
        Console.WriteLine($"  note: {note}");
    }

    private static bool IsAdded(string key) =>
        key is "http" or "latency-half" or "naive-latency-half" or "lead-cost" || key.StartsWith("storage-prefilled-", StringComparison.Ordinal);

    private ResultRow? Find(string key) => _rows.FirstOrDefault(r => r.Key == key);

    private ResultRow? Best(string keyPrefix) =>
        _rows.Where(r => r.Key.StartsWith(keyPrefix, StringComparison.Ordinal) && r.Complete).MaxBy(r => r.EventsPerSecond);

    public string ToMarkdown(TimeSpan total)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"## LeadTracker benchmark, {startedAt:yyyy-MM-dd HH:mm} UTC");
        sb.AppendLine();
        sb.AppendLine(inv, $"- Machine: {machine.Cpu}, {machine.Cores} cores, {machine.MemoryGiB:F0} GiB RAM, {machine.Os}, kernel {machine.Kernel}");
        sb.AppendLine(inv, $"- Software: .NET {machine.Dotnet}, RabbitMQ {machine.RabbitMq}, SQLite {machine.Sqlite}; SQLite files on {machine.Disk}");
        sb.AppendLine(inv, $"- Load average at start: {machine.LoadAverage} (other work on the machine skews every figure)");
        sb.AppendLine(inv, $"- Command: `{command}` (whole run {total.TotalMinutes:F1} min; everything on this one machine, load generator included)");
        sb.AppendLine();
        sb.AppendLine("| scenario | events | time s | events/s | p50 ms | p99 ms | p99.9 ms | peak RSS | notes |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        // The rows of the first benchmark keep their place; the rows added since come after them.
        foreach (var r in _rows.OrderBy(r => IsAdded(r.Key)))
        {
            var l = r.Latency ?? LatencySummary.None;
            sb.AppendLine(inv,
                $"| {r.Scenario} | {r.Events:N0} | {r.Elapsed.TotalSeconds:F1} | {(r.Complete ? "" : "⚠ ")}{r.EventsPerSecond:N0} | {F(l.P50)} | {F(l.P99)} | {F(l.P999)} | {r.MemoryText} | {r.Notes} |");
        }

        sb.AppendLine();
        AppendTargets(sb);
        if (_notes.Count > 0)
        {
            sb.AppendLine();
            foreach (var note in _notes)
            {
                sb.AppendLine(inv, $"- {note}");
            }
        }

        return sb.ToString();
    }

    private void AppendTargets(StringBuilder sb)
    {
        var inv = CultureInfo.InvariantCulture;
        var http = Find("http");
        var e2e = Find("e2e");
        // The broker's limit for a pipeline is publish and consume at once; the storage limit is taken at the
        // durability the worker runs with by default (synchronous=FULL: acknowledged means on disk).
        var broker = Find("broker");
        var storage = Find("storage-full") ?? Best("storage");
        var naiveTuned = Find("naive-tuned");
        var backlog = Find("backlog");
        var lines = new List<string>();
        if (e2e is not null && http is not null && Figures.TryGetValue("e2e-requests-per-second", out var e2eRequests))
        {
            var ratio = e2eRequests / http.EventsPerSecond;
            lines.Add(Line($"end to end requests/s ({e2eRequests:N0}) ÷ HTTP limit ({http.EventsPerSecond:N0}) ≥ 70%", ratio.ToString("P0", inv), ratio >= 0.7));
        }

        if (e2e is not null && naiveTuned is not null)
        {
            var ratio = e2e.EventsPerSecond / naiveTuned.EventsPerSecond;
            lines.Add(Line("end to end ÷ tuned naive ≥ 1.5×", ratio.ToString("F2", inv) + "×", ratio >= 1.5));
        }

        var limit = new[] { broker, storage }.Where(r => r is not null).Select(r => r!).MinBy(r => r.EventsPerSecond);
        if (e2e is not null && limit is not null)
        {
            var ratio = e2e.EventsPerSecond / limit.EventsPerSecond;
            lines.Add(Line($"end to end ÷ min(broker {Rate(broker)}, storage {Rate(storage)}) ≥ 60%", ratio.ToString("P0", inv), ratio >= 0.6));
        }

        if (backlog is not null && storage is not null)
        {
            var ratio = backlog.EventsPerSecond / storage.EventsPerSecond;
            lines.Add(Line("backlog drain ÷ storage limit ≥ 80%", ratio.ToString("P0", inv), ratio >= 0.8));
        }

        if (Find("latency-half")?.Latency is { } ours && Find("naive-latency-half")?.Latency is { } naive)
        {
            lines.Add(Line("ingress p99 at half the tuned naive's max ≤ the naive's p99 at that rate",
                $"{F(ours.P99)} vs {F(naive.P99)} ms", ours.P99 <= naive.P99));
        }

        foreach (var (key, ratio) in Figures.Where(f => f.Key.StartsWith("storage-prefilled-ratio-", StringComparison.Ordinal)))
        {
            var messages = long.Parse(key["storage-prefilled-ratio-".Length..], CultureInfo.InvariantCulture);
            lines.Add(Line($"storage with {messages:N0} messages in the file ÷ a fresh file (interleaved, row 8) ≥ 70%",
                ratio.ToString("P0", inv), ratio >= 0.7));
        }

        if (Figures.TryGetValue("lead-cost-ratio", out var costRatio) && Figures.TryGetValue("lead-cost-messages", out var history))
        {
            // 10 % over 1 is run-to-run noise on a shared machine, not a cost that grows with the history.
            lines.Add(Line($"cost per new event, lead with {history:N0} messages ÷ lead with 10 ≤ 1 (±10 %)", costRatio.ToString("F2", inv), costRatio <= 1.1));
        }

        if (backlog?.PeakBytesOf("worker") is { } worker)
        {
            lines.Add(Line("worker peak RSS < 250 MB during the backlog", $"{worker / 1_000_000.0:N0} MB", worker < 250_000_000));
        }

        if (lines.Count == 0)
        {
            return;
        }

        sb.AppendLine("| target (issue 12) | measured | met |");
        sb.AppendLine("|---|---:|:---:|");
        foreach (var line in lines)
        {
            sb.AppendLine(line);
        }
    }

    private static string Rate(ResultRow? row) => row is null ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{row.EventsPerSecond:N0}/s");

    private static string Line(string target, string measured, bool met) => $"| {target} | {measured} | {(met ? "yes" : "no")} |";

    private static string F(double ms) => double.IsNaN(ms) ? "" : ms.ToString(ms < 10 ? "F2" : "F1", CultureInfo.InvariantCulture);

    private static string Lat(LatencySummary? l) =>
        l is null || l.Count == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $", p50 {F(l.P50)} ms, p99 {F(l.P99)} ms, p99.9 {F(l.P999)} ms");
}
