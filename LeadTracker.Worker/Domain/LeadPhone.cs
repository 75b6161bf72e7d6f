namespace LeadTracker.Worker.Domain;

/// <summary>
/// Kapso and Meta write the same number as <c>+15550100123</c>, <c>15550100123</c> or <c>+1 555-010-0123</c>;
/// the contact key is <c>+</c> and its digits, so all of them are one lead.
/// </summary>
/// <remarks>
/// Meta has already checked every <c>wa_id</c> it sends: a number a phone library calls impossible (its metadata
/// lags behind numbering plans, and test numbers such as <c>1111111111111</c> exist) is still a real WhatsApp
/// user. So any 7–15 digits (E.164's maximum) are kept as they are; only text that cannot be a phone number at
/// all, a business-scoped id or a name in a phone field, is refused, and the event falls back to its other
/// identities. National forms of one number are folded by <see cref="NationalPhoneVariants"/>.
/// </remarks>
internal static class LeadPhone
{
    private const int MinDigits = 7;
    private const int MaxDigits = 15;

    /// <summary><c>+digits</c>, or null when the text is blank or not a phone number.</summary>
    public static string? ToE164(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw)) return null;

        Span<char> e164 = stackalloc char[MaxDigits + 1];
        e164[0] = '+';
        var length = 1;
        foreach (var c in raw)
        {
            if (char.IsAsciiDigit(c))
            {
                if (length == e164.Length) return null;
                e164[length++] = c;
            }
            else if (char.IsLetter(c) || char.IsDigit(c))
            {
                // "US.1349…" is a business-scoped id, "٠١٢" digits of another script: not a number we can dial.
                return null;
            }
        }

        return length - 1 >= MinDigits ? new string(e164[..length]) : null;
    }

    /// <summary>For logs: every digit but the last four masked, so a log line never carries a lead's number.</summary>
    public static string Mask(string? phone) =>
        phone is null || phone.Length <= 4 ? "****" : new string('*', phone.Length - 4) + phone[^4..];
}
