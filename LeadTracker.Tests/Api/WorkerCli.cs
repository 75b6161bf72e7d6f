using System.Diagnostics;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests.Api;

/// <summary>The worker executable as an operator runs a verb, with the database path from the environment.</summary>
internal static class WorkerCli
{
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string databasePath, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(RepoPaths.ServiceDll("LeadTracker.Worker"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["ConnectionStrings__Leads"] = $"Data Source={databasePath}";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await error);
    }
}
