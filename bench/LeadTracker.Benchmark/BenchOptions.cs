using System.Globalization;

namespace LeadTracker.Benchmark;

/// <summary>Command-line options of <c>bench/run.sh</c>; defaults sized for a full run of about ten minutes on 2 cores.</summary>
internal sealed class BenchOptions
{
    public static readonly string[] AllPhases = ["broker", "storage", "naive", "e2e", "latency", "backlog", "alerts"];

    public int Events { get; private set; } = 100_000;

    public bool Quick { get; private set; }

    public int Concurrency { get; private set; } = 64;

    public int Connections { get; private set; } = 64;

    public int Phones { get; private set; } = 5_000;

    public int NaiveDefaultEvents { get; private set; } = 5_000;

    public int BrokerChannels { get; private set; } = 2;

    public int BrokerWindow { get; private set; } = 500;

    public ushort BrokerPrefetch { get; private set; } = 500;

    public double Rate { get; private set; } = 1_000;

    public int RateSeconds { get; private set; } = 10;

    public int BacklogEvents { get; private set; } = 100_000;

    public int BacklogBatch { get; private set; } = 50;

    /// <summary>Events ingested in each half of row 11 (alerts on, alerts off).</summary>
    public int AlertEvents { get; private set; } = 20_000;

    /// <summary>Messages already in the file for the storage rows 8 (each file is made once and kept in <see cref="CacheDirectory"/>).</summary>
    public List<long> StorageSizes { get; private set; } = [1_000_000];

    /// <summary>Messages of the long-history lead in row 9.</summary>
    public long LeadHistory { get; private set; } = 100_000;

    public string CacheDirectory { get; private set; } = Path.Combine(Path.GetTempPath(), "leadtracker-bench-cache");

    public string? IngressDll { get; private set; }

    public string? WorkerDll { get; private set; }

    public string ResultsDirectory { get; private set; } = Path.Combine(Environment.CurrentDirectory, "bench", "results");

    public string WorkDirectory { get; private set; } = Path.Combine(Path.GetTempPath(), $"leadtracker-bench-{Environment.ProcessId}");

    public bool KeepWork { get; private set; }

    public HashSet<string> Phases { get; private set; } = [.. AllPhases];

    public string Command { get; private set; } = "bench/run.sh";

    /// <summary>Extra environment for the ingress and worker processes (tuning runs: <c>--env LeadTracker__Worker__Durability=Normal</c>).</summary>
    public Dictionary<string, string> ChildEnvironment { get; } = [];

    public string RabbitHost { get; private set; } = "127.0.0.1";

    public int RabbitPort { get; private set; } = 5672;

    public string RabbitUser { get; private set; } = "guest";

    public string RabbitPassword { get; private set; } = "guest";

    public Uri RabbitManagement { get; private set; } = new("http://127.0.0.1:15672/");

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        int? events = null, backlog = null, naive = null, seconds = null, alertEvents = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Value(), NumberStyles.AllowThousands, CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--events": events = Int(); break;
                case "--quick": o.Quick = true; break;
                case "--concurrency": o.Concurrency = Int(); break;
                case "--connections": o.Connections = Int(); break;
                case "--phones": o.Phones = Int(); break;
                case "--naive-default-events": naive = Int(); break;
                case "--broker-channels": o.BrokerChannels = Int(); break;
                case "--broker-window": o.BrokerWindow = Int(); break;
                case "--broker-prefetch": o.BrokerPrefetch = checked((ushort)Int()); break;
                case "--rate": o.Rate = Int(); break;
                case "--rate-seconds": seconds = Int(); break;
                case "--backlog": backlog = Int(); break;
                case "--backlog-batch": o.BacklogBatch = Int(); break;
                case "--alert-events": alertEvents = Int(); break;
                case "--storage-sizes":
                    o.StorageSizes = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(v => long.Parse(v, NumberStyles.AllowThousands, CultureInfo.InvariantCulture))];
                    break;
                case "--lead-history": o.LeadHistory = Int(); break;
                case "--cache": o.CacheDirectory = Value(); break;
                case "--ingress": o.IngressDll = Value(); break;
                case "--worker": o.WorkerDll = Value(); break;
                case "--results": o.ResultsDirectory = Value(); break;
                case "--work": o.WorkDirectory = Value(); break;
                case "--keep": o.KeepWork = true; break;
                case "--only": o.Phases = [.. Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]; break;
                case "--command": o.Command = Value(); break;
                case "--env":
                    var pair = Value().Split('=', 2);
                    o.ChildEnvironment[pair[0]] = pair.Length == 2 ? pair[1] : throw new ArgumentException("--env needs KEY=VALUE");
                    break;
                case "--rabbit-host": o.RabbitHost = Value(); break;
                case "--rabbit-port": o.RabbitPort = Int(); break;
                case "--rabbit-user": o.RabbitUser = Value(); break;
                case "--rabbit-password": o.RabbitPassword = Value(); break;
                case "--rabbit-management": o.RabbitManagement = new Uri(Value()); break;
                case "-h" or "--help": throw new HelpRequestedException();
                default: throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        if (o.Quick)
        {
            o.Events = 20_000;
            o.BacklogEvents = 20_000;
            o.RateSeconds = 5;
            o.NaiveDefaultEvents = 2_000;
            o.StorageSizes = [100_000];
            o.AlertEvents = 5_000;
        }

        o.Events = events ?? o.Events;
        o.BacklogEvents = backlog ?? o.BacklogEvents;
        o.RateSeconds = seconds ?? o.RateSeconds;
        o.AlertEvents = alertEvents ?? o.AlertEvents;
        o.NaiveDefaultEvents = Math.Min(naive ?? o.NaiveDefaultEvents, o.Events);
        if (o.Phases.Except(AllPhases).FirstOrDefault() is { } unknown)
        {
            throw new ArgumentException($"unknown phase {unknown}; phases: {string.Join(',', AllPhases)}");
        }

        return o;
    }

    public const string Usage = """
        usage: bench/run.sh [--events N] [--quick] [options]
          --events N                events per throughput scenario (default 100000; --quick 20000)
          --quick                   small sizes, about two minutes
          --concurrency C           concurrent HTTP senders (default 64)
          --connections C           HTTP connections (MaxConnectionsPerServer, default 64)
          --phones N                distinct contacts (default 5000)
          --naive-default-events N  events for the SQLite-defaults baseline (default 5000; --quick 2000)
          --broker-channels N       publishing channels in the broker limit (default 2)
          --broker-window N         publishes awaiting their confirm, over all channels (default 500)
          --broker-prefetch N       consumer prefetch in the broker limit (default 500)
          --rate R --rate-seconds S fixed-rate latency run (default 1000/s for 10 s; --quick 5 s)
          --backlog N               events queued while the worker is stopped (default 100000; --quick 20000)
          --backlog-batch B         events per batched webhook in the backlog load (default 50)
          --alert-events N          events ingested with and without the 10,000-alert burst, row 11
                                    (default 20000; --quick 5000)
          --storage-sizes N,M       messages already in the file for rows 8 (default 1000000; --quick 100000),
                                    e.g. 1000000,10000000; each file is made once and kept in --cache
          --lead-history N          messages of the long-history lead in row 9 (default 100000)
          --cache DIR               where the prefilled files are kept (default $TMPDIR/leadtracker-bench-cache)
          --only a,b                phases to run: broker,storage,naive,e2e,latency,backlog,alerts
          --env KEY=VALUE           extra environment for the ingress and worker (repeatable), e.g.
                                    --env LeadTracker__Worker__Durability=Normal
          --work DIR --keep         where the SQLite files go (default a temp dir, deleted unless --keep)
          --results DIR             where the markdown table is written (default bench/results)
        """;
}

internal sealed class HelpRequestedException : Exception
{
}
