namespace LeadTracker.Worker.Domain;

/// <summary>
/// Countries where WhatsApp and people write one mobile number in two international forms, so that the same
/// person would otherwise be two leads:
/// <list type="bullet">
/// <item>Mexico: <c>+52 1 NNNNNNNNNN</c> (the old mobile prefix, which WhatsApp ids still carry) and <c>+52 NNNNNNNNNN</c>.</item>
/// <item>Argentina: <c>+54 9 NNNNNNNNNN</c> (the mobile 9) and <c>+54 NNNNNNNNNN</c>.</item>
/// <item>Brazil: <c>+55 AA 9 XXXXXXXX</c> and <c>+55 AA XXXXXXXX</c> (ids registered before the ninth digit).</item>
/// </list>
/// Each rule pairs two digit strings one-to-one, and the condition on the shared national part is the same from
/// either side, so every form of a number gives the same <see cref="Canonical"/> form and the same set of forms:
/// the lead's key does not depend on which form arrived first. The canonical form is the current national plan's
/// (Mexico without the 1, Argentina and Brazil with their mobile 9), which is also what libphonenumber makes of them.
/// Pure digit rules, not a phone library's metadata: a key must not change when the library is upgraded.
/// </summary>
internal static class NationalPhoneVariants
{
    /// <summary>The one form of <paramref name="e164"/> (<c>+digits</c>) that is stored as the lead's phone.</summary>
    public static string Canonical(string e164) => Pair(e164) is { } pair ? pair.Canonical : e164;

    /// <summary>The other forms of the same number (empty for numbers of other countries): identities of the same lead.</summary>
    public static IEnumerable<string> Others(string e164)
    {
        if (Pair(e164) is not { } pair) yield break;
        if (pair.Canonical != e164) yield return pair.Canonical;
        if (pair.Variant != e164) yield return pair.Variant;
    }

    private static (string Canonical, string Variant)? Pair(string e164)
    {
        if (!e164.StartsWith('+')) return null;
        var digits = e164.AsSpan(1);
        return digits switch
        {
            // Mexico: national numbers are ten digits and never start with 0 or 1.
            ['5', '2', '1', .. var n] when n.Length == 10 && IsMexican(n) => ($"+52{n}", e164),
            ['5', '2', .. var n] when n.Length == 10 && IsMexican(n) => (e164, $"+521{n}"),

            // Argentina: national numbers are ten digits; area codes never start with 0 or 9.
            ['5', '4', '9', .. var n] when n.Length == 10 && IsArgentine(n) => (e164, $"+54{n}"),
            ['5', '4', .. var n] when n.Length == 10 && IsArgentine(n) => ($"+549{n}", e164),

            // Brazil: a two-digit area code without 0s, then a mobile's 8 digits (first 6–9) with or without the 9.
            ['5', '5', var a, var b, '9', .. var s] when s.Length == 8 && IsBrazilianMobile(a, b, s) => (e164, $"+55{a}{b}{s}"),
            ['5', '5', var a, var b, .. var s] when s.Length == 8 && IsBrazilianMobile(a, b, s) => ($"+55{a}{b}9{s}", e164),
            _ => null,
        };
    }

    private static bool IsMexican(ReadOnlySpan<char> national) => national[0] is not ('0' or '1');

    private static bool IsArgentine(ReadOnlySpan<char> national) => national[0] is not ('0' or '9');

    // Landlines (first digit 2–5) never had a ninth digit: they must not be folded into someone's mobile.
    private static bool IsBrazilianMobile(char a, char b, ReadOnlySpan<char> subscriber) =>
        a != '0' && b != '0' && subscriber[0] is >= '6' and <= '9';
}
