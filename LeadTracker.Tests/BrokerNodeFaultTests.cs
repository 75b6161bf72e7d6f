using System.Diagnostics;
using LeadTracker.Hosting;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>
/// A broker node dies mid-stream and comes back, then another is stopped for 20 seconds, while signed webhooks with
/// unique ids flow at a fixed rate through the real ingress and worker processes into a real SQLite file. Run on
/// both deployments the README promises: the three-node cluster of <c>scripts/rabbitmq-cluster.sh</c> with quorum
/// queues, and a single node with classic queues (the local broker, which this stops and kills). Prints
/// <c>[fault]</c> lines with the figures of docs/guarantees.md.
/// </summary>
[TestFixture]
[Category("Faults")]
[NonParallelizable]
public sealed class BrokerNodeFaultTests
{
    private const string ErrorQueue = QueueNames.MessageEvents + QueueNames.ErrorSuffix;
    private const int Events = 2700;
    private const int PerSecond = 30; // 90 s of traffic: long enough to span both faults on a slow machine

    private static readonly TimeSpan Answered = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan Elected = TimeSpan.FromSeconds(60);

    public enum Deployment
    {
        SingleClassicNode,
        QuorumCluster,
    }

    [TestCase(Deployment.QuorumCluster, Category = "Cluster")]
    [TestCase(Deployment.SingleClassicNode)]
    public async Task Node_killed_mid_stream_restarted_and_another_stopped_for_20_s_loses_and_doubles_nothing(Deployment deployment)
    {
        IBrokerUnderTest broker = deployment == Deployment.QuorumCluster ? new QuorumCluster() : new SingleClassicNode();
        await broker.SetUpAsync();
        try
        {
            var vhost = await broker.CreateVirtualHostAsync("fault-nodes");
            await using var system = await LeadTrackerSystem.StartAsync("fault-nodes", broker.Settings, broker: vhost);
            var delivery = UniqueEvents.Send(system.Http, new UniqueEvents().Take(Events), perSecond: PerSecond);
            await system.WaitUntilAsync(() => Stored(system) >= 200, Answered, "the first 200 rows");

            var killed = await broker.KillMessageQueueLeaderAsync(vhost.VirtualHost);
            var sinceKill = Stopwatch.StartNew();
            var storedAtKill = Stored(system);
            var answeredAtKill = delivery.Completed;
            // Measured while the schedule goes on: on a single node the next commit waits for the node's restart.
            var nextCommit = Task.Run(async () =>
            {
                while (Stored(system) <= storedAtKill) await Task.Delay(50);
                return sinceKill.Elapsed;
            });

            // Down for 10 s with the stream going on, then back.
            await Task.Delay(TimeSpan.FromSeconds(10));
            await broker.RestartKilledAsync();
            var down = sinceKill.Elapsed;
            var killToCommit = await nextCommit.WaitAsync(Answered);

            var stopped = await broker.StopAnotherAsync(vhost.VirtualHost);
            var answeredAtStop = delivery.Completed;
            await Task.Delay(TimeSpan.FromSeconds(20));
            var answeredWhileStopped = delivery.Completed - answeredAtStop;
            await broker.StartStoppedAsync();

            await delivery.FinishAsync(Answered);
            var tally = await FaultTests.DrainAsync($"broker-{deployment}", system, delivery);
            TestContext.Out.WriteLine(
                $"        {broker.Describe}: SIGKILL of {killed} (leader of {QueueNames.MessageEvents}) at {storedAtKill} rows stored, " +
                $"{answeredAtKill} webhooks answered; next commit {killToCommit.TotalSeconds:F1} s after the kill; " +
                $"back after {down.TotalSeconds:F0} s; {stopped} stopped gracefully for 20 s with {answeredWhileStopped} webhooks answered meanwhile; " +
                $"answers {delivery.AnswerSummary} ({delivery.OutcomeSummary}); " +
                $"{FaultTests.Redelivered(system.Worker)} redelivered events absorbed");

            Assert.Multiple(async () =>
            {
                Assert.That(storedAtKill, Is.LessThan(Events), "the kill came mid-stream");
                Assert.That(answeredWhileStopped, Is.Positive, "the stream went on while the second node was stopped");
                Assert.That(delivery.Answers.Keys, Is.EquivalentTo(new[] { "200" }), "the ingress answered only 200: " + delivery.AnswerSummary);
                Assert.That(delivery.Accepted, Has.Count.EqualTo(Events), delivery.AnswerSummary);
                FaultTests.AssertNothingLostOrDoubled(tally);
                Assert.That(await vhost.PeekAsync(ErrorQueue), Is.Empty, "nothing in " + ErrorQueue);
            });
        }
        finally
        {
            await broker.TearDownAsync();
        }
    }

    private static long Stored(LeadTrackerSystem system) => system.Count("SELECT COUNT(*) FROM messages");

    /// <summary>What the test does to a deployment, in its terms.</summary>
    private interface IBrokerUnderTest
    {
        string Describe { get; }

        IReadOnlyDictionary<string, string> Settings { get; }

        Task SetUpAsync();

        Task<TestBroker> CreateVirtualHostAsync(string purpose);

        /// <summary>SIGKILL the node leading <c>lead-message-events</c>; returns its name.</summary>
        Task<string> KillMessageQueueLeaderAsync(string virtualHost);

        Task RestartKilledAsync();

        /// <summary>Stops a node gracefully, other than the one killed when there is a choice; returns its name.</summary>
        Task<string> StopAnotherAsync(string virtualHost);

        Task StartStoppedAsync();

        Task TearDownAsync();
    }

    /// <summary>scripts/rabbitmq-cluster.sh's three nodes, started for the test and stopped after it.</summary>
    private sealed class QuorumCluster : IBrokerUnderTest
    {
        private int _killed;

        public string Describe => "3-node cluster, quorum queues";

        public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
        {
            ["LeadTracker__RabbitMq__Hosts"] = RabbitCluster.Hosts,
            ["LeadTracker__RabbitMq__QueueType"] = "quorum",
        };

        public Task SetUpAsync() => RabbitCluster.StartAsync();

        public async Task<TestBroker> CreateVirtualHostAsync(string purpose) =>
            await TestBroker.CreateAsync(purpose, await RabbitCluster.ManagementAsync());

        public async Task<string> KillMessageQueueLeaderAsync(string virtualHost)
        {
            _killed = await RabbitCluster.LeaderAsync(virtualHost, QueueNames.MessageEvents, Elected);
            await RabbitCluster.KillNodeAsync(_killed);
            return RabbitCluster.NodeName(_killed);
        }

        public Task RestartKilledAsync() => RabbitCluster.StartAsync();

        public async Task<string> StopAnotherAsync(string virtualHost)
        {
            var leader = await RabbitCluster.LeaderAsync(virtualHost, QueueNames.MessageEvents, Elected);
            var node = leader != _killed ? leader : RabbitCluster.Nodes.First(n => n != _killed);
            await RabbitCluster.StopNodeAsync(node);
            return RabbitCluster.NodeName(node) + (node == leader ? " (the new leader)" : "");
        }

        public Task StartStoppedAsync() => RabbitCluster.StartAsync();

        public Task TearDownAsync() => RabbitCluster.StopAsync();
    }

    /// <summary>The local broker on 5672 with classic queues: the single node is both the one killed and the one stopped.</summary>
    private sealed class SingleClassicNode : IBrokerUnderTest
    {
        public string Describe => "single node, classic queues";

        public IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
        {
            ["LeadTracker__RabbitMq__QueueType"] = "classic",
        };

        public Task SetUpAsync() => FaultTests.StartBrokerAsync();

        public Task<TestBroker> CreateVirtualHostAsync(string purpose) => TestBroker.CreateAsync(purpose);

        public async Task<string> KillMessageQueueLeaderAsync(string virtualHost)
        {
            var pid = int.Parse((await CtlOutputAsync("eval", "os:getpid().")).Trim().Trim('"'), System.Globalization.CultureInfo.InvariantCulture);
            using var node = Process.GetProcessById(pid);
            node.Kill(); // SIGKILL
            await node.WaitForExitAsync();
            return $"the local node (pid {pid})";
        }

        // What scripts/test.sh does when no broker answers: start the Debian package's node again.
        public async Task RestartKilledAsync()
        {
            var run = await ProgramRun.RunAsync("bash", [Path.Combine(RepoPaths.Root, "scripts", "ensure-rabbitmq.sh")], TimeSpan.FromMinutes(10));
            Assert.That(run.ExitCode, Is.Zero, "ensure-rabbitmq.sh: " + run.Output);
            await FaultTests.StartBrokerAsync();
        }

        public async Task<string> StopAnotherAsync(string virtualHost)
        {
            await FaultTests.RabbitAsync("stop_app");
            return "the same node (stop_app)";
        }

        public Task StartStoppedAsync() => FaultTests.StartBrokerAsync();

        // Leave the node running whatever happened: started again if it is dead, its app started if it is stopped.
        public async Task TearDownAsync()
        {
            if (await FaultTests.RabbitAsync("ping", mustSucceed: false)) await FaultTests.StartBrokerAsync();
            else await RestartKilledAsync();
        }

        private static async Task<string> CtlOutputAsync(params string[] args)
        {
            var run = await ProgramRun.RunAsync("rabbitmqctl", ["-q", .. args], TimeSpan.FromMinutes(2));
            Assert.That(run.ExitCode, Is.Zero, $"rabbitmqctl {string.Join(' ', args)}: {run.Output}");
            return run.Stdout;
        }
    }
}
