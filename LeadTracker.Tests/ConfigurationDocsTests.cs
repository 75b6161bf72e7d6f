using System.Globalization;
using System.Reflection;
using LeadTracker.Testing;
using LeadTracker.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace LeadTracker.Tests;

/// <summary>
/// docs/configuration.md's settings table and the code cannot change apart: every settable property of an options
/// class bound to a <c>LeadTracker:…</c> section (found by its <c>Section</c> constant, in every LeadTracker
/// assembly, so a new options class is found without touching this test) has a row with its default, every
/// <c>LeadTracker__…</c> row is such a property, the shipped appsettings.json files agree with the table, and the
/// README's short table quotes it faithfully. A new setting needs only its row in the table.
/// </summary>
[TestFixture]
public sealed class ConfigurationDocsTests
{
    private static readonly string ConfigurationDoc = Path.Combine(RepoPaths.Root, "docs", "configuration.md");

    private static readonly string[] ShippedSettings =
    [
        Path.Combine(RepoPaths.Root, "LeadTracker.Worker", "appsettings.json"),
        Path.Combine(RepoPaths.Root, "LeadTracker.Ingress", "appsettings.json"),
    ];

    [Test]
    public void Every_option_has_a_row_with_its_default()
    {
        var rows = Documented();
        var problems = new List<string>();
        foreach (var option in Options())
        {
            if (!rows.TryGetValue(option.Name, out var row))
                problems.Add($"{option.Name} (default {Show(option.Default)}, {option.Owner}) has no row");
            else if (row.Default != option.Default)
                problems.Add($"{option.Name}: the table says {Show(row.Default)} (line {row.Line}), {option.Owner} says {Show(option.Default)}");
        }

        Assert.That(problems, Is.Empty, $"{ConfigurationDoc} and the options classes disagree");
    }

    [Test]
    public void Every_LeadTracker_row_is_an_option()
    {
        var options = Options().Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var strays = Documented().Values
            .Where(row => row.Name.StartsWith("LeadTracker__", StringComparison.Ordinal) && !options.Contains(row.Name))
            .Select(row => $"{row.Name} (line {row.Line})");

        Assert.That(strays, Is.Empty, $"rows of {ConfigurationDoc} that no options class reads");
    }

    [Test]
    public void The_shipped_appsettings_agree_with_the_table()
    {
        var rows = Documented();
        var problems = new List<string>();
        foreach (var path in ShippedSettings)
        {
            var shipped = new ConfigurationBuilder().AddJsonFile(path, optional: false).Build();
            var relative = Path.GetRelativePath(RepoPaths.Root, path);
            foreach (var (key, value) in shipped.AsEnumerable())
            {
                if (value is null) continue;
                var name = key.Replace(":", "__", StringComparison.Ordinal);
                if (rows.TryGetValue(name, out var row))
                {
                    if (!SameValue(row.Default, value))
                        problems.Add($"{relative} ships {name} = {Show(value)}, the table says {Show(row.Default)} (line {row.Line})");
                }
                else if (name.StartsWith("LeadTracker__", StringComparison.Ordinal))
                {
                    problems.Add($"{relative} ships {name}, which has no row");
                }
            }
        }

        Assert.That(problems, Is.Empty, $"the shipped settings and {ConfigurationDoc} disagree");
    }

    [Test]
    public void The_READMEs_short_table_quotes_the_full_one()
    {
        var rows = Documented();
        var quoted = SettingsTable.Read(Path.Combine(RepoPaths.Root, "README.md"));
        var problems = quoted
            .Where(q => !rows.TryGetValue(q.Name, out var row) || row.Default != q.Default)
            .Select(q => $"README.md line {q.Line}: {q.Name} = {Show(q.Default)}, " +
                         (rows.TryGetValue(q.Name, out var row) ? $"{ConfigurationDoc} says {Show(row.Default)}" : "not in the full table"));

        Assert.Multiple(() =>
        {
            Assert.That(quoted, Is.Not.Empty, "the README has no settings table");
            Assert.That(problems, Is.Empty);
        });
    }

    private static Dictionary<string, DocumentedSetting> Documented()
    {
        var rows = SettingsTable.Read(ConfigurationDoc);
        Assert.That(rows.Select(r => r.Name), Is.Unique, $"a setting has two rows in {ConfigurationDoc}");
        return rows.ToDictionary(r => r.Name, StringComparer.Ordinal);
    }

    private sealed record Option(string Name, string? Default, string Owner);

    /// <summary>Every settable property of every options class, as its environment name and its default value.</summary>
    private static List<Option> Options() =>
        LeadTrackerAssemblies()
            .SelectMany(assembly => assembly.GetTypes())
            .Select(type => (Type: type, Section: SectionOf(type)))
            .Where(t => t.Section is not null)
            .SelectMany(t =>
            {
                var defaults = Activator.CreateInstance(t.Type, nonPublic: true);
                return t.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                    .Where(p => p.GetMethod is { IsPublic: true } && p.SetMethod is { IsPublic: true })
                    .Select(p => new Option(t.Section!.Replace(":", "__", StringComparison.Ordinal) + "__" + p.Name,
                        Text(p.GetValue(defaults)), t.Type.Name));
            })
            .ToList();

    private static string? SectionOf(Type type) =>
        type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
        && field.GetRawConstantValue() is string section && section.StartsWith("LeadTracker:", StringComparison.Ordinal)
            ? section
            : null;

    /// <summary>The apps' assemblies: those this test assembly references, and theirs, named LeadTracker.*.</summary>
    private static IEnumerable<Assembly> LeadTrackerAssemblies()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<AssemblyName>(typeof(ConfigurationDocsTests).Assembly.GetReferencedAssemblies());
        while (pending.TryDequeue(out var name))
        {
            if (name.Name is not { } simple || !simple.StartsWith("LeadTracker.", StringComparison.Ordinal) || !seen.Add(simple))
                continue;

            var assembly = Assembly.Load(name);
            foreach (var reference in assembly.GetReferencedAssemblies()) pending.Enqueue(reference);
            yield return assembly;
        }
    }

    /// <summary>A default as configuration would write it: 00:00:25, 1.00:00:00, true, Full, https://api.kapso.ai.</summary>
    private static string? Text(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        TimeSpan t => t.ToString("c", CultureInfo.InvariantCulture),
        Uri u => u.OriginalString,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    // JSON's true reaches configuration as "True".
    private static bool SameValue(string? documented, string shipped) =>
        bool.TryParse(documented, out var a) && bool.TryParse(shipped, out var b) ? a == b : documented == shipped;

    private static string Show(string? value) => value is null ? "(no value)" : $"`{value}`";
}
