using System.Text.RegularExpressions;

namespace LeadTracker.Tests.Support;

/// <summary>
/// The worker's <c>[Kapso Sync]</c> message lines counted per message id: "nothing doubled" as applications, not
/// rows (a <c>wamid</c> is unique in the schema, so a second application never adds a row). An event applies once:
/// one line that is Inserted or Updated for a message id and status; a second such line is the same event applied
/// twice. Unchanged lines are redeliveries the store absorbed. Lines are the worker's console output
/// (LeadTracker.Worker/Consumers/LeadEventApplier.cs writes them), any prefix before the tag.
/// </summary>
internal sealed partial class SyncLineTally
{
    private SyncLineTally(int lines, IReadOnlyDictionary<(string Wamid, string Status), int> applications,
        IReadOnlyCollection<string> redelivered)
    {
        Lines = lines;
        Applications = applications;
        Redelivered = redelivered;
    }

    /// <summary>How many <c>[Kapso Sync]</c> message lines were read (a positive control: a format change reads none).</summary>
    public int Lines { get; }

    /// <summary>Inserted or Updated lines per message id and status.</summary>
    public IReadOnlyDictionary<(string Wamid, string Status), int> Applications { get; }

    /// <summary>Message ids with at least one Unchanged line: delivered again, absorbed.</summary>
    public IReadOnlyCollection<string> Redelivered { get; }

    /// <summary>Message ids whose event (id and status) applied more than once, with the count.</summary>
    public IReadOnlyList<string> Reapplied =>
        Applications.Where(a => a.Value > 1).Select(a => $"{a.Key.Wamid} {a.Key.Status} x{a.Value}").Order(StringComparer.Ordinal).ToList();

    public static SyncLineTally Of(IEnumerable<string> output)
    {
        var lines = 0;
        var applications = new Dictionary<(string, string), int>();
        var redelivered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in output)
        {
            if (SyncLine().Match(line) is not { Success: true } m) continue;
            lines++;
            var wamid = m.Groups["wamid"].Value;
            if (m.Groups["outcome"].Value == "Unchanged")
            {
                redelivered.Add(wamid);
                continue;
            }

            var key = (wamid, m.Groups["status"].Value);
            applications[key] = applications.GetValueOrDefault(key) + 1;
        }

        return new SyncLineTally(lines, applications, redelivered);
    }

    [GeneratedRegex(@"\[Kapso Sync\] (?:inbound|outbound) message (?<wamid>\S+) (?<outcome>Inserted|Updated|Unchanged) \([^,]*, status (?<status>\w+)\)")]
    private static partial Regex SyncLine();
}
