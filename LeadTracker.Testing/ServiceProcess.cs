using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace LeadTracker.Testing;

/// <summary>
/// One of the real services (ingress or worker) as its own OS process, <c>dotnet X.dll …</c>, the way systemd runs
/// it: killed with SIGKILL, stopped with SIGTERM, started again as a clone. Its output is kept for failure messages,
/// in memory or, for long runs, in a log file.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private const int SigHup = 1;

    private readonly ConcurrentQueue<string> _output = new();
    private readonly string _dll;
    private readonly string[] _args;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string? _logFile;
    private StreamWriter? _log;
    private Process? _process;

    // In memory only: the output of the processes this one is a clone of (a log file already holds theirs).
    private IReadOnlyList<string> _before = [];

    /// <param name="logFile">Where the output goes (appended); null keeps it in memory.</param>
    public ServiceProcess(string name, string dll, string[] args, IReadOnlyDictionary<string, string> environment, Uri health,
        string? logFile = null)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is not built: build the solution first (scripts/test.sh and bench/run.sh do)", dll);
        Name = name;
        _dll = dll;
        _args = args;
        _environment = environment;
        _logFile = logFile;
        Health = health;
    }

    public string Name { get; }

    /// <summary>The readiness endpoint: 200 once the service does its work.</summary>
    public Uri Health { get; }

    /// <summary>Every line written so far, stdout and stderr as they came.</summary>
    public IEnumerable<string> Output => _logFile is null ? _output : ReadLog();

    /// <summary>Every line of this service so far, across restarts: the processes it is a clone of, then its own.</summary>
    public IEnumerable<string> OutputAcrossRestarts => _logFile is null ? _before.Concat(_output) : ReadLog();

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    /// <summary>The OS process id (for /proc figures); the service must have been started.</summary>
    public int Pid => _process?.Id ?? throw new InvalidOperationException($"{Name} is not started");

    public string Tail(int lines = 40) => string.Join('\n', Output.TakeLast(lines));

    public int CountLines(string needle) => Output.Count(l => l.Contains(needle, StringComparison.Ordinal));

    /// <summary>The same service, not started: for a restart after a kill or a stop.</summary>
    public ServiceProcess Clone() => Continued(new(Name, _dll, _args, _environment, Health, _logFile));

    /// <summary>The same service with some settings changed, not started: a redeploy with a new configuration.</summary>
    public ServiceProcess Clone(IReadOnlyDictionary<string, string> changes) =>
        Continued(new(Name, _dll, _args, _environment.Concat(changes).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value), Health, _logFile));

    private ServiceProcess Continued(ServiceProcess clone)
    {
        if (_logFile is null) clone._before = [.. _before, .. _output];
        return clone;
    }

    public void Start()
    {
        if (_process is not null) throw new InvalidOperationException($"{Name} was started once; start a Clone()");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(_dll))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.GetFullPath(_dll));
        foreach (var arg in _args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in _environment) start.Environment[key] = value;

        if (_logFile is not null) _log = new StreamWriter(_logFile, append: true) { AutoFlush = true };
        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + Name);
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Waits for <see cref="Health"/> to answer 200 (Healthy or Degraded); throws with the output's tail if it never does.</summary>
    public async Task WaitReadyAsync(TimeSpan? timeout = null, CancellationToken ct = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(90));
        while (DateTime.UtcNow < deadline)
        {
            if (ExitCode is { } code) throw new InvalidOperationException($"{Name} exited with {code} before it was ready:\n{Tail()}");
            try
            {
                using var response = await http.GetAsync(Health, ct);
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException || e is TaskCanceledException && !ct.IsCancellationRequested)
            {
                // not listening yet
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"{Name} not ready at {Health} within the timeout:\n{Tail()}");
    }

    /// <summary>SIGKILL: the process gets no chance to finish anything.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } p) return;
        p.Kill(entireProcessTree: true);
        await p.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as systemd and docker stop send it; returns the exit code, or null if it did not exit in time.</summary>
    public async Task<int?> TerminateAsync(TimeSpan timeout)
    {
        if (_process is not { HasExited: false } p) return ExitCode;
        if (kill(p.Id, SigTerm) != 0) throw new InvalidOperationException("kill(SIGTERM) failed: " + Marshal.GetLastPInvokeError());
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
            return p.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>SIGHUP, as <c>systemctl reload</c> (ExecReload) or <c>kill -HUP</c> sends it; returns at once.</summary>
    public void HangUp()
    {
        if (_process is not { HasExited: false } p) throw new InvalidOperationException($"{Name} is not running");
        if (kill(p.Id, SigHup) != 0) throw new InvalidOperationException("kill(SIGHUP) failed: " + Marshal.GetLastPInvokeError());
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited within <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (await TerminateAsync(grace) is null) await KillAsync();
    }

    /// <summary>Peak resident set size so far, in bytes (VmHWM of /proc/&lt;pid&gt;/status); 0 once the process is gone.</summary>
    public long PeakRssBytes()
    {
        if (_process is not { HasExited: false } p) return 0;
        try
        {
            var line = File.ReadLines($"/proc/{p.Id}/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
            return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        if (_log is { } log)
        {
            lock (log)
            {
                _log = null;
                log.Dispose();
            }
        }
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        if (_logFile is null)
        {
            _output.Enqueue(line);
            return;
        }

        if (_log is { } log)
        {
            lock (log)
            {
                if (_log is not null) log.WriteLine(line);
            }
        }
    }

    private List<string> ReadLog()
    {
        if (!File.Exists(_logFile)) return [];
        using var stream = new FileStream(_logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return lines;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
