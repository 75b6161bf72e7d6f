using System.Buffers.Text;
using System.Globalization;
using System.Text;
using LeadTracker.Worker.Leads;

namespace LeadTracker.Worker.Api;

/// <summary>
/// The <c>after=</c> value of a paged list: opaque to clients (base64url), and naming its list, so a cursor from
/// one list (or one lead's timeline) is refused by another instead of silently paging the wrong thing.
/// </summary>
internal static class ApiCursor
{
    public static string Encode(string list, LeadCursor cursor) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{list}|{cursor.Key}|{cursor.Id}")));

    /// <returns>The cursor, or null with <paramref name="error"/> saying what is wrong with the text.</returns>
    public static LeadCursor? Decode(string list, string text, out string? error)
    {
        error = null;
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(text));
        }
        catch (FormatException)
        {
            error = "is not a cursor: pass the `next` value of the previous page unchanged";
            return null;
        }

        var parts = decoded.Split('|');
        if (parts.Length != 3
            || !long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var key)
            || !long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            error = "is not a cursor: pass the `next` value of the previous page unchanged";
            return null;
        }

        if (parts[0] != list)
        {
            error = $"belongs to another list ({parts[0]}), not {list}";
            return null;
        }

        return new LeadCursor(key, id);
    }
}
