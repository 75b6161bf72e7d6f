using System.Globalization;
using System.Reflection;
using LeadTracker.Testing;
using LeadTracker.Tests.Support;
using LeadTracker.Worker;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace LeadTracker.Tests;

/// <summary>
/// docs/configuration.md's settings table and the code cannot change apart: every settable property of an options
/// class bound to a <c>LeadTracker:…</c> section (found by its <c>Section</c> constant, in every LeadTracker
/// assembly, so a new options class is found without touching this test) has a row with its default, nested
/// objects and lists of them included (<c>LeadTracker__Alerts__Endpoints__N__Url</c>); every <c>LeadTracker__…</c>
/// row is such a property; every options class the two apps bind from configuration has that constant, so none
/// escapes; the shipped appsettings.json files agree with the table, and the README's short table quotes it
/// faithfully. A new setting needs only its row in the table.
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
    public async Task Every_options_class_the_apps_bind_from_configuration_is_held_to_the_table()
    {
        var held = OptionsClasses().Select(c => c.Type).ToHashSet();
        var bound = await BoundFromConfigurationAsync();
        var escaped = bound.Where(type => !held.Contains(type)).Select(type => type.FullName);

        Assert.Multiple(() =>
        {
            Assert.That(bound, Is.Not.Empty, "no options class found in the apps' service registrations");
            Assert.That(escaped, Is.Empty,
                "bound from configuration without a `public const string Section = \"LeadTracker:…\"`: the table cannot be held to them");
        });
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

    /// <summary>Every setting of every options class, as its environment name and its default value.</summary>
    private static List<Option> Options() =>
        OptionsClasses()
            .SelectMany(c => Settings(c.Section.Replace(":", "__", StringComparison.Ordinal),
                Activator.CreateInstance(c.Type, nonPublic: true)!, c.Type.Name))
            .ToList();

    private static List<(Type Type, string Section)> OptionsClasses() =>
        LeadTrackerAssemblies()
            .SelectMany(assembly => assembly.GetTypes())
            .Select(type => (Type: type, Section: SectionOf(type)))
            .Where(t => t.Section is not null)
            .Select(t => (t.Type, t.Section!))
            .ToList();

    /// <summary>
    /// What configuration can set on <paramref name="defaults"/>'s type, as the binder reads it: a value per settable
    /// property; a nested object's properties under its name; a list of objects as <c>__N__</c> and its element's
    /// properties (the binder fills such a list even with no setter); a list of values as one setting.
    /// </summary>
    private static IEnumerable<Option> Settings(string prefix, object defaults, string owner) =>
        defaults.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .SelectMany(p =>
            {
                var name = prefix + "__" + p.Name;
                var value = p.GetValue(defaults);
                if (ElementOf(p.PropertyType) is { } element)
                {
                    return IsValue(element)
                        ? p.SetMethod is { IsPublic: true } || value is not null ? [new Option(name, Text(value), owner)] : []
                        : Settings(name + "__N", Activator.CreateInstance(element, nonPublic: true)!, owner);
                }

                if (IsValue(p.PropertyType))
                    return p.SetMethod is { IsPublic: true } ? [new Option(name, Text(value), owner)] : [];

                return Settings(name, value ?? Activator.CreateInstance(p.PropertyType, nonPublic: true)!, owner);
            });

    private static bool IsValue(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan)
            || t == typeof(DateTime) || t == typeof(DateTimeOffset) || t == typeof(Guid) || t == typeof(Uri);
    }

    /// <summary>The element type of an array or list property; null for anything else (a string is a value).</summary>
    private static Type? ElementOf(Type type) =>
        type == typeof(string) ? null
        : type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(System.Collections.IEnumerable).IsAssignableFrom(type) && type.GetGenericArguments() is [var element]
            ? element
            : null;

    /// <summary>
    /// Every options type in LeadTracker's assemblies that the worker or the ingress binds from configuration
    /// (<c>BindConfiguration</c> and <c>Configure(IConfiguration)</c> register a change-token source for it), taken
    /// from their real service registrations.
    /// </summary>
    private static async Task<HashSet<Type>> BoundFromConfigurationAsync()
    {
        var registrations = new List<ServiceDescriptor>();
        // Each app in its own flow: MassTransit keeps its log context in an AsyncLocal, and the next app built in
        // the same flow would log through the disposed one.
        await Task.Run(async () => await WorkerHost.Build([], services => registrations.AddRange(services)).DisposeAsync());
        var folder = Directory.CreateTempSubdirectory("leadtracker-config-docs-");
        try
        {
            await Task.Run(async () =>
            {
                // Nothing listens on the broker port and the spool is off: the ingress starts and sends nothing.
                await using var ingress = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
                {
                    web.UseSetting("LeadTracker:Kapso:WebhookSecret", KapsoFixtures.Secret);
                    web.UseSetting("LeadTracker:RabbitMq:Host", "127.0.0.1");
                    web.UseSetting("LeadTracker:RabbitMq:Port", LoopbackPort.Free().ToString(CultureInfo.InvariantCulture));
                    web.UseSetting("LeadTracker:Spool:Enabled", "false");
                    web.UseSetting("LeadTracker:Spool:Path", Path.Combine(folder.FullName, "spool.db"));
                    web.ConfigureTestServices(services => registrations.AddRange(services));
                });
                _ = ingress.Services;
            });
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            folder.Delete(recursive: true);
        }

        return registrations
            .Select(d => d.ServiceType)
            .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IOptionsChangeTokenSource<>))
            .Select(t => t.GetGenericArguments()[0])
            .Where(t => t.Assembly.GetName().Name?.StartsWith("LeadTracker.", StringComparison.Ordinal) == true)
            .ToHashSet();
    }

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

    /// <summary>
    /// A default as configuration would write it: 00:00:25, 1.00:00:00, true, Full, https://api.kapso.ai, a list as
    /// a,b; null for no value (null, an empty string, an empty list), which the table writes as a word (none, unset).
    /// </summary>
    private static string? Text(object? value) => value switch
    {
        null or "" => null,
        string s => s,
        System.Collections.IEnumerable list => list.Cast<object?>().Select(Text).ToList() is { Count: > 0 } items
            ? string.Join(",", items)
            : null,
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
