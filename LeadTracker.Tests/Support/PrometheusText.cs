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

    /// <summary>The sum of the samples of <paramref name="name"/> carrying every label given (<c>outcome="inserted"</c>).</summary>
    public double Value(string name, params string[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.Split(',').Contains(l))).Sum(s => s.Value);

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>\S+)")]
    private static partial Regex Sample();
}
