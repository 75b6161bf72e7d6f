using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace LeadTracker.Tests.Support;

/// <summary>
/// One of the real services (ingress or worker) running as its own OS process, the way systemd runs it, so that
/// tests can kill it with SIGKILL, stop it with SIGTERM and restart it. Its output is kept for failure messages.
/// </summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _output = new();
    private readonly string _name;
    private readonly string _dll;
    private readonly string[] _args;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private Process? _process;

    public ServiceProcess(string name, string dll, string[] args, IReadOnlyDictionary<string, string> environment, Uri health)
    {
        _name = name;
        _dll = dll;
        _args = args;
        _environment = environment;
        Health = health;
        if (!File.Exists(dll)) Assert.Fail($"{dll} is not built; run the tests through scripts/test.sh or dotnet test on the solution");
    }

    public Uri Health { get; }

    public IEnumerable<string> Output => _output;

    public int? ExitCode => _process is { HasExited: true } p ? p.ExitCode : null;

    public string Tail(int lines = 40) => string.Join('\n', _output.TakeLast(lines));

    /// <summary>The same service, not started: for a restart after a kill or a stop.</summary>
    public ServiceProcess Clone() => new(_name, _dll, _args, _environment, Health);

    /// <summary>The same service with some settings changed, not started: a redeploy with a new configuration.</summary>
    public ServiceProcess Clone(IReadOnlyDictionary<string, string> changes) =>
        new(_name, _dll, _args, _environment.Concat(changes).GroupBy(e => e.Key).ToDictionary(g => g.Key, g => g.Last().Value), Health);

    public void Start()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(_dll);
        foreach (var arg in _args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in _environment) start.Environment[key] = value;

        _process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + _name);
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>Waits for /health/ready to answer 200 (Healthy or Degraded).</summary>
    public async Task WaitReadyAsync(TimeSpan? timeout = null)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (ExitCode is { } code) Assert.Fail($"{_name} exited with {code} before it was ready:\n{Tail()}");
            try
            {
                using var response = await http.GetAsync(Health);
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet
            }

            await Task.Delay(200);
        }

        Assert.Fail($"{_name} not ready at {Health} within the timeout:\n{Tail()}");
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

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    private const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int sig);
}
