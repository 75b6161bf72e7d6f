using MassTransit;

namespace LeadTracker.Hosting;

/// <summary>How both apps reach RabbitMQ: every node of <see cref="RabbitMqOptions.Nodes"/>, and queues of the configured type.</summary>
public static class RabbitMqBusConfiguration
{
    /// <summary>
    /// The host (one node, or a cluster: MassTransit connects to the first live node in the list and moves to the
    /// next when its connection dies), and the queue type for the <c>_error</c> and <c>_skipped</c> queues, which
    /// MassTransit otherwise derives from the stream queue's arguments (dead-lettering included).
    /// </summary>
    public static void LeadTrackerHost(this IRabbitMqBusFactoryConfigurator cfg, RabbitMqOptions options,
        Action<IRabbitMqHostConfigurator>? configure = null)
    {
        var nodes = options.Nodes();
        cfg.Host(nodes[0].Host, (ushort)nodes[0].Port, options.VirtualHost, host =>
        {
            host.Username(options.Username);
            host.Password(options.Password);
            if (nodes.Count > 1) host.UseCluster(cluster =>
            {
                foreach (var node in nodes) cluster.Node(node.ToString());
            });
            configure?.Invoke(host);
        });

        var type = options.StreamQueueType;
        cfg.SendTopology.ConfigureErrorSettings = queue => queue.UseSideQueueType(type);
        cfg.SendTopology.ConfigureDeadLetterSettings = queue => queue.UseSideQueueType(type);
    }

    /// <summary>Declares a stream queue (a worker's receive endpoint) with <see cref="StreamQueueTopology.StreamQueueArguments"/>.</summary>
    public static void UseStreamQueueType(this IRabbitMqQueueConfigurator queue, StreamQueueType type, string name)
    {
        if (type == StreamQueueType.Quorum) queue.SetQuorumQueue();
        foreach (var (key, value) in StreamQueueTopology.StreamQueueArguments(type, name)) queue.SetQueueArgument(key, value);
    }

    // MassTransit 8.5 copies every argument of the stream queue into its _error and _skipped queues (RabbitMqTransport/Topology/RabbitMqErrorSettings.cs, RabbitMqDeadLetterSettings.cs); SetQueueArgument(key, null) is its own way to drop one.
    private static void UseSideQueueType(this IRabbitMqQueueConfigurator queue, StreamQueueType type)
    {
        var side = StreamQueueTopology.SideQueueArguments(type);
        foreach (var key in StreamQueueTopology.StreamQueueArguments(type, "").Keys.Union(side.Keys)) queue.SetQueueArgument(key, side.GetValueOrDefault(key)!);
    }
}
