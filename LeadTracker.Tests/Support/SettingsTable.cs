using System.Text.RegularExpressions;

namespace LeadTracker.Tests.Support;

/// <summary>
/// One row of a markdown settings table: the setting's environment name and its documented default, the first
/// value in backticks of the default cell; null when the cell starts with a word (none, empty, unset, required).
/// </summary>
internal sealed record DocumentedSetting(string Name, string? Default, int Line);

/// <summary>
/// Reads the settings tables of docs/configuration.md and the README: every table row whose first cell is one
/// setting in backticks (<c>| `LeadTracker__Worker__Urls` | …</c>). Rows naming several things at once
/// (<c>`ASPNETCORE_URLS` or `--urls`</c>) are prose, not settings a test can hold to a class.
/// </summary>
internal static partial class SettingsTable
{
    public static IReadOnlyList<DocumentedSetting> Read(string markdownPath) =>
        File.ReadLines(markdownPath)
            .Select((line, index) => (Match: Row().Match(line), Line: index + 1))
            .Where(row => row.Match.Success)
            .Select(row => new DocumentedSetting(row.Match.Groups["name"].Value, DefaultOf(row.Match.Groups["default"].Value),
                row.Line))
            .ToList();

    private static string? DefaultOf(string cell)
    {
        var trimmed = cell.Trim();
        return trimmed.StartsWith('`') ? trimmed[1..trimmed.IndexOf('`', 1)] : null;
    }

    // | `Name` | who | default | meaning |
    [GeneratedRegex(@"^\|\s*`(?<name>[A-Za-z][A-Za-z0-9_]*)`\s*\|[^|]*\|(?<default>[^|]*)\|")]
    private static partial Regex Row();
}
