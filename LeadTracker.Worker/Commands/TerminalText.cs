using System.Globalization;
using System.Text;

namespace LeadTracker.Worker.Commands;

/// <summary>
/// Text from webhooks (a profile name) on the operator's terminal: control characters (ESC, BEL, a line break) and
/// the invisible direction overrides are shown as <c>\u001B</c>-style escapes, so a name cannot move the cursor,
/// retitle the window, ring the bell or reorder what the terminal shows.
/// </summary>
internal static class TerminalText
{
    public static string Safe(string text)
    {
        if (!text.Any(NeedsEscape)) return text;
        var safe = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (NeedsEscape(c)) safe.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
            else safe.Append(c);
        }

        return safe.ToString();
    }

    private static bool NeedsEscape(char c) =>
        char.IsControl(c) || c is (>= '\u202A' and <= '\u202E') or (>= '\u2066' and <= '\u2069');
}
