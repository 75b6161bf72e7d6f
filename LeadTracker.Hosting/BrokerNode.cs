using System.Globalization;

namespace LeadTracker.Hosting;

/// <summary>One RabbitMQ node the apps may connect to.</summary>
public sealed record BrokerNode(string Host, int Port)
{
    public const int DefaultPort = 5672;

    public override string ToString() => $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Parses <c>host[:port],host[:port],…</c>; throws <see cref="FormatException"/> naming the bad part.</summary>
    public static IReadOnlyList<BrokerNode> ParseList(string hosts) =>
        ListError(hosts) is { } error ? throw new FormatException(error) : Split(hosts).Select(Parse).ToArray();

    /// <summary>What is wrong with a node list, or null when every entry is a host with an optional valid port.</summary>
    public static string? ListError(string hosts)
    {
        foreach (var entry in Split(hosts))
        {
            var parts = entry.Split(':');
            if (entry.Length == 0) return "an empty entry";
            if (parts.Length > 2 || parts[0].Length == 0) return $"'{entry}' is not host or host:port";
            if (parts.Length == 2 && !(int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535))
            {
                return $"'{entry}' has no port between 1 and 65535";
            }
        }

        return null;
    }

    private static IEnumerable<string> Split(string hosts) => hosts.Split(',').Select(h => h.Trim());

    private static BrokerNode Parse(string entry)
    {
        var parts = entry.Split(':');
        return new BrokerNode(parts[0], parts.Length == 2 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : DefaultPort);
    }
}
