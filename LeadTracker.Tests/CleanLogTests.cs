using System.Text.RegularExpressions;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// A normal life of both real processes (start, every fixture through, SIGTERM) logs nothing at warning level or
/// above: a red line in these logs always means something, so operators never learn to ignore one.
/// </summary>
[TestFixture]
public sealed partial class CleanLogTests
{
    [Test]
    public async Task Start_run_and_stop_log_no_warning_or_error()
    {
        await using var system = await LeadTrackerSystem.StartAsync("cleanlog");
        foreach (var fixture in KapsoFixtures.All)
        {
            using var response = await system.Http.SendAsync(KapsoFixtures.Request(fixture));
            Assert.That((int)response.StatusCode, Is.EqualTo(200), fixture.File);
        }

        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM messages") >= 6, TimeSpan.FromSeconds(30),
            "the fixtures' messages in the database");
        var ingressExit = await system.Ingress.TerminateAsync(TimeSpan.FromSeconds(30));
        var workerExit = await system.Worker.TerminateAsync(TimeSpan.FromSeconds(30));

        var lines = system.Ingress.Output.Select(l => "[ingress] " + l).Concat(system.Worker.Output.Select(l => "[worker] " + l)).ToArray();
        TestContext.Out.WriteLine(string.Join('\n', lines));
        Assert.Multiple(() =>
        {
            Assert.That(ingressExit, Is.Zero, "the ingress stops cleanly on SIGTERM");
            Assert.That(workerExit, Is.Zero, "the worker stops cleanly on SIGTERM");
            Assert.That(lines.Where(l => l.Contains("[Kapso Sync]", StringComparison.Ordinal)), Is.Not.Empty, "the worker logged its writes");
            Assert.That(lines.Where(l => WarningOrAbove().IsMatch(l)), Is.Empty, "no line at warning level or above");
        });
    }

    // The console's simple format: "<timestamp> warn: Category[id] message"; also an unhandled exception's text.
    [GeneratedRegex(@"\b(warn|fail|crit|error)\b:|Unhandled exception", RegexOptions.IgnoreCase)]
    private static partial Regex WarningOrAbove();
}
