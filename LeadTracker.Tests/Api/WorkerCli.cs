namespace LeadTracker.Tests.Api;

/// <summary>The worker executable as an operator runs a verb, with the database path from the environment.</summary>
internal static class WorkerCli
{
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string databasePath, params string[] args)
    {
        var run = await ProgramRun.RunAsync("dotnet", [RepoPaths.ServiceDll("LeadTracker.Worker"), .. args], TimeSpan.FromSeconds(60),
            new Dictionary<string, string?> { ["ConnectionStrings__Leads"] = $"Data Source={databasePath}" });
        return (run.ExitCode, run.Stdout, run.Stderr);
    }
}
