using PhoneNumbers;

namespace LeadTracker.Worker.Kapso;

/// <summary>
/// Kapso and Meta write the same number as <c>+15550100123</c>, <c>15550100123</c> or <c>+1 555-010-0123</c>;
/// the contact key is its E.164 form, so all of them are one lead.
/// </summary>
internal static class LeadPhone
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>The E.164 form, or null when the text is not a plausible international number.</summary>
    public static string? ToE164(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;

        // WhatsApp ids are always international digits without the '+': restore it, drop punctuation.
        Span<char> digits = stackalloc char[16];
        var length = 0;
        foreach (var c in raw)
        {
            if (!char.IsAsciiDigit(c)) continue;
            if (length == digits.Length) return null;
            digits[length++] = c;
        }

        if (length < 7) return null;
        try
        {
            var number = Util.Parse("+" + new string(digits[..length]), null);
            return Util.IsPossibleNumber(number) ? Util.Format(number, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>For logs: every digit but the last four masked, so a log line never carries a lead's number.</summary>
    public static string Mask(string? phone) =>
        phone is null || phone.Length <= 4 ? "****" : new string('*', phone.Length - 4) + phone[^4..];
}
