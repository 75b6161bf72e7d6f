using System.Text.Json;

namespace LeadTracker.Tests.Support;

/// <summary>
/// The three-node cluster of <c>scripts/rabbitmq-cluster.sh</c> (AMQP 5682–5684, management 15682–15684), driven
/// through that script as an operator would: start, stop a node, SIGKILL a node. Never the broker on 5672.
/// </summary>
internal static class RabbitCluster
{
    public static readonly int[] Nodes = [1, 2, 3];

    /// <summary>What the apps are given: every node.</summary>
    public const string Hosts = "localhost:5682,localhost:5683,localhost:5684";

    public static string NodeName(int node) => $"leadtracker-{node}@localhost";

    public static int ManagementPort(int node) => 15681 + node;

    public static Task StartAsync() => ScriptAsync(TimeSpan.FromMinutes(4), "start");

    public static Task StopAsync() => ScriptAsync(TimeSpan.FromMinutes(2), "stop");

    public static Task KillNodeAsync(int node) => ScriptAsync(TimeSpan.FromSeconds(30), "kill-node", node.ToString());

    public static Task StopNodeAsync(int node) => ScriptAsync(TimeSpan.FromMinutes(2), "stop-node", node.ToString());

    /// <summary>A management API client on the first node that answers (nodes die in these tests).</summary>
    public static async Task<RabbitManagement> ManagementAsync()
    {
        foreach (var node in Nodes)
        {
            var management = new RabbitManagement(new Uri($"http://127.0.0.1:{ManagementPort(node)}/"), timeout: TimeSpan.FromSeconds(10));
            if (await management.AnswersAsync()) return management;
            // that node is down; try the next
            management.Dispose();
        }

        Assert.Fail("no node of the cluster answers on its management port (15682-15684)");
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>The node (1-3) that leads a quorum queue (or holds a classic one), from the management API; waits while an election runs.</summary>
    public static async Task<int> LeaderAsync(string virtualHost, string queue, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            using var management = await ManagementAsync();
            JsonElement? found = null;
            try
            {
                found = await management.QueueAsync(virtualHost, queue);
            }
            catch (HttpRequestException)
            {
                // the node answering went down mid-call, or the queue is between leaders: ask again
            }

            // A classic queue has no leader: the node holding it plays that part.
            if (found is { } q &&
                (q.TryGetProperty("leader", out var leader) || q.TryGetProperty("node", out leader)) &&
                Nodes.FirstOrDefault(n => NodeName(n) == leader.GetString()) is var node and > 0)
            {
                return node;
            }

            if (DateTime.UtcNow > deadline) Assert.Fail($"no leader for {queue} within {timeout}");
            await Task.Delay(250);
        }
    }

    private static async Task ScriptAsync(TimeSpan timeout, params string[] args)
    {
        ProgramRun run = null!;
        try
        {
            run = await ProgramRun.RunAsync("bash", [Path.Combine(RepoPaths.Root, "scripts", "rabbitmq-cluster.sh"), .. args], timeout);
        }
        catch (TimeoutException e)
        {
            Assert.Fail($"rabbitmq-cluster.sh {string.Join(' ', args)} did not finish within {timeout}: {e.Message}");
        }

        TestContext.Out.WriteLine($"[cluster] rabbitmq-cluster.sh {string.Join(' ', args)}: exit {run.ExitCode}");
        Assert.That(run.ExitCode, Is.Zero, $"rabbitmq-cluster.sh {string.Join(' ', args)}:\n{run.Output}");
    }
}
