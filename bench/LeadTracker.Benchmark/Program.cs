using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using LeadTracker.Benchmark;
using LeadTracker.Benchmark.Broker;
using LeadTracker.Benchmark.Reporting;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (HelpRequestedException)
{
    Console.WriteLine(BenchOptions.Usage);
    return 0;
}
catch (Exception e) when (e is ArgumentException or FormatException)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

// SIGTERM too: stop the load, then stop the child processes and delete the vhosts on the way out.
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    cancel.Cancel();
});

var broker = new BrokerSettings(options.RabbitHost, options.RabbitPort, options.RabbitUser, options.RabbitPassword, options.RabbitManagement);
using var management = new RabbitManagement(options.RabbitManagement, options.RabbitUser, options.RabbitPassword);
string rabbitVersion;
try
{
    rabbitVersion = await management.VersionAsync(cancel.Token);
}
catch (HttpRequestException e)
{
    Console.Error.WriteLine($"RabbitMQ management API not reachable at {options.RabbitManagement} ({e.Message}). Start RabbitMQ with the management plugin first.");
    return 1;
}

foreach (var stale in await management.VhostsAsync("leadtracker-bench-", cancel.Token))
{
    Console.WriteLine($"deleting vhost {stale} left by an interrupted run");
    await management.DeleteVhostAsync(stale, cancel.Token);
}

Directory.CreateDirectory(options.WorkDirectory);
Directory.CreateDirectory(options.ResultsDirectory);
var startedAt = DateTimeOffset.UtcNow;
var machine = MachineInfo.Collect(options.WorkDirectory, rabbitVersion);
var report = new Report(machine, options.Command, startedAt);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LeadTracker benchmark {startedAt:yyyy-MM-dd HH:mm} UTC: {machine.Cpu}, {machine.Cores} cores, RabbitMQ {machine.RabbitMq}, SQLite {machine.Sqlite}"));
if (double.TryParse(machine.LoadAverage.Split(' ')[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var load) && load > 0.5)
{
    Console.WriteLine($"warning: load average {machine.LoadAverage}: something else is running; the figures will be lower and noisier");
}

Console.WriteLine($"phases: {string.Join(", ", BenchOptions.AllPhases.Where(options.Phases.Contains))}; work directory {options.WorkDirectory}");

var clock = Stopwatch.StartNew();
var exitCode = 0;
try
{
    await new BenchRun(options, broker, management, report).RunAsync(cancel.Token);
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    report.Note($"run aborted: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
    Console.Error.WriteLine(e);
    exitCode = 1;
}
finally
{
    if (!options.KeepWork)
    {
        BenchRun.ClearPools();
        try
        {
            Directory.Delete(options.WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

var markdown = report.ToMarkdown(clock.Elapsed);
var file = Path.Combine(options.ResultsDirectory, $"{startedAt:yyyy-MM-dd-HHmm}.md");
await File.WriteAllTextAsync(file, markdown);
Console.WriteLine();
Console.WriteLine(markdown);
Console.WriteLine($"written to {file}");
return exitCode;
