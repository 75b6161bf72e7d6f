using System.Globalization;
using System.Text.RegularExpressions;

namespace LeadTracker.Tests.Support;

/// <summary>A scrape of <c>/metrics</c> (Prometheus text format): samples by series name and labels.</summary>
internal sealed partial class PrometheusText
{
    private readonly List<(string Name, string Labels, double Value)> _samples = [];

    private PrometheusText(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || Sample().Match(line) is not { Success: true } m) continue;
            _samples.Add((m.Groups["name"].Value, m.Groups["labels"].Value,
                double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
    }

    public string Text { get; }

    public IEnumerable<string> Names => _samples.Select(s => s.Name).Distinct();

    public static async Task<PrometheusText> ScrapeAsync(Uri metrics)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return new PrometheusText(await http.GetStringAsync(metrics));
    }

    /// <summary>
    /// The sum of the samples of <paramref name="name"/> carrying every label given (<c>outcome="inserted"</c>). A
    /// series that is not there fails the test: a missing series is not a zero (a renamed metric would read as one).
    /// </summary>
    public double Value(string name, params string[] labels)
    {
        var matching = Matching(name, labels).ToList();
        if (matching.Count == 0)
            throw new AssertionException($"no series {name}{{{string.Join(',', labels)}}} in the scrape:\n{Text}");
        return matching.Sum(s => s.Value);
    }

    /// <summary>
    /// How much <paramref name="name"/> grew since <paramref name="before"/>, a scrape taken before the request: that
    /// request's count, whatever came earlier. The series must be there now; before, it may not have been born yet.
    /// </summary>
    public double Since(PrometheusText before, string name, params string[] labels) =>
        Value(name, labels) - before.Matching(name, labels).Sum(s => s.Value);

    /// <summary>Whether the scrape has a series <paramref name="name"/> carrying every label given.</summary>
    public bool Has(string name, params string[] labels) => Matching(name, labels).Any();

    private IEnumerable<(string Name, string Labels, double Value)> Matching(string name, string[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.Split(',').Contains(l)));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>\S+)")]
    private static partial Regex Sample();
}
