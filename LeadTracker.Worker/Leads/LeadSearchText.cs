namespace LeadTracker.Worker.Leads;

/// <summary>What a search box's text means: a phone number in any format, or a piece of a name.</summary>
internal static class LeadSearchText
{
    private const string PhonePunctuation = "+()-./ ";

    /// <summary>
    /// The digits of <paramref name="text"/> when it is written like a phone number ("+1 (555) 010-0123",
    /// "555.010.0123", "0100123"): digits and phone punctuation only, at least three digits. Otherwise null.
    /// </summary>
    public static string? PhoneDigits(string text)
    {
        var digits = new string(text.Where(char.IsAsciiDigit).ToArray());
        return digits.Length >= 3 && text.All(c => char.IsAsciiDigit(c) || PhonePunctuation.Contains(c, StringComparison.Ordinal)) ? digits : null;
    }
}
