using System.Diagnostics;

namespace LeadTracker.Testing;

/// <summary>
/// A program run to its end as an operator runs it from a shell (a CLI verb, rabbitmqctl, a script): its exit code
/// and what it printed.
/// </summary>
public sealed record ProgramRun(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>Both streams, stdout first.</summary>
    public string Output => Stdout + Stderr;

    /// <summary>Runs <paramref name="program"/>; past <paramref name="timeout"/> it is killed and a <see cref="TimeoutException"/> says what it printed.</summary>
    /// <param name="environment">Settings added to this process's environment; a null value removes that variable.</param>
    /// <param name="workingDirectory">The folder it runs in; this process's by default.</param>
    public static async Task<ProgramRun> RunAsync(string program, IEnumerable<string> arguments, TimeSpan timeout,
        IReadOnlyDictionary<string, string?>? environment = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "",
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(key);
            else start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start " + program);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(
                $"{program} {string.Join(' ', start.ArgumentList)} still running after {timeout.TotalSeconds:F0} s:\n{await stdout}{await stderr}");
        }

        return new ProgramRun(process.ExitCode, await stdout, await stderr);
    }
}
