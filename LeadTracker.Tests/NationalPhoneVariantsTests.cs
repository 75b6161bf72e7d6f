using FsCheck;
using FsCheck.Fluent;
using LeadTracker.Worker.Domain;

namespace LeadTracker.Tests;

/// <summary>
/// One person, two international forms of one number: each country's pair folds to one canonical form, from either
/// side, and numbers outside the rules (landlines, other countries, other lengths) are left alone.
/// </summary>
[TestFixture]
public sealed class NationalPhoneVariantsTests
{
    [TestCase("+5215512345678", "+525512345678", TestName = "Mexico: the WhatsApp id with the old mobile 1 folds to the number without it")]
    [TestCase("+525512345678", "+525512345678", TestName = "Mexico: the number without the 1 is the canonical form")]
    [TestCase("+5491123456789", "+5491123456789", TestName = "Argentina: the number with the mobile 9 is the canonical form")]
    [TestCase("+541123456789", "+5491123456789", TestName = "Argentina: the number without the mobile 9 folds to the one with it")]
    [TestCase("+5511987654321", "+5511987654321", TestName = "Brazil: the number with the ninth digit is the canonical form")]
    [TestCase("+551187654321", "+5511987654321", TestName = "Brazil: an id from before the ninth digit folds to the number with it")]
    [TestCase("+5562996543210", "+5562996543210", TestName = "Brazil: with the ninth digit outside Sao Paulo")]
    [TestCase("+556296543210", "+5562996543210", TestName = "Brazil: without the ninth digit outside Sao Paulo")]
    [TestCase("+551166543210", "+5511966543210", TestName = "Brazil: a mobile whose number starts with 6 gains the ninth digit")]
    public void Each_form_folds_to_one_canonical_form(string e164, string canonical) =>
        Assert.That(NationalPhoneVariants.Canonical(e164), Is.EqualTo(canonical));

    [TestCase("+5215512345678", "+525512345678", TestName = "Mexico: both forms name each other")]
    [TestCase("+5491123456789", "+541123456789", TestName = "Argentina: both forms name each other")]
    [TestCase("+5511987654321", "+551187654321", TestName = "Brazil: both forms name each other")]
    public void Both_forms_give_the_same_canonical_form_and_name_each_other(string one, string other)
    {
        Assert.Multiple(() =>
        {
            Assert.That(NationalPhoneVariants.Canonical(one), Is.EqualTo(NationalPhoneVariants.Canonical(other)));
            Assert.That(NationalPhoneVariants.Others(one), Is.EqualTo(new[] { other }));
            Assert.That(NationalPhoneVariants.Others(other), Is.EqualTo(new[] { one }));
        });
    }

    [TestCase("+15550100123", TestName = "United States: no variants")]
    [TestCase("+1111111111111", TestName = "A number no library knows: no variants")]
    [TestCase("+551133334444", TestName = "Brazil: a landline (first digit 2-5) never gains a ninth digit")]
    [TestCase("+5511933334444", TestName = "Brazil: a 9 before a landline-like number is not a ninth digit")]
    [TestCase("+551066543210", TestName = "Brazil: an area code with a 0 in it is no area code: left alone")]
    [TestCase("+550166543210", TestName = "Brazil: an area code starting with 0 is no area code: left alone")]
    [TestCase("+52155123456", TestName = "Mexico: a number of the wrong length is left alone")]
    [TestCase("+520512345678", TestName = "Mexico: a national number starting with 0 is left alone")]
    [TestCase("+5490123456789", TestName = "Argentina: a national number starting with 0 is left alone")]
    [TestCase("+549912345678", TestName = "Argentina: a national number starting with 9 is left alone")]
    [TestCase("+4915123456789", TestName = "Germany: no variants")]
    [TestCase("5215512345678", TestName = "Digits without the plus are not an E.164 form: left alone")]
    [TestCase("", TestName = "An empty string is left alone")]
    public void Numbers_outside_the_rules_are_their_own_canonical_form_without_variants(string e164)
    {
        Assert.That(NationalPhoneVariants.Canonical(e164), Is.EqualTo(e164));
        Assert.That(NationalPhoneVariants.Others(e164), Is.Empty);
    }

    [Test]
    public void A_contact_fact_stores_the_canonical_form_and_looks_the_lead_up_by_every_form()
    {
        var fact = new ContactFact { PhoneE164 = "+5215512345678", ObservedAtMs = 0 };

        Assert.That(fact.PhoneE164, Is.EqualTo("+525512345678"));
        Assert.That(fact.Identities(), Is.EqualTo(new[] { "phone:+525512345678", "phone:+5215512345678" }));
    }

    [Test]
    public void Every_form_of_any_number_gives_the_same_canonical_form_and_the_same_set_of_forms()
    {
        // Random numbers, most of them in the three countries and of the lengths the rules look at: the forms of a
        // number are a closed set (each form names all the others), so no arrival order can split or grow a lead.
        var prefixes = new[] { "52", "521", "54", "549", "55", "1", "44", "" };
        var gen =
            from prefix in Gen.Elements(prefixes)
            from length in Gen.Choose(7 - prefix.Length, 15 - prefix.Length).Where(l => l >= 0)
            from digits in Gen.ArrayOf(Gen.Choose(0, 9), length)
            select "+" + prefix + string.Concat(digits);

        Prop.ForAll(gen.ToArbitrary(), e164 =>
        {
            var canonical = NationalPhoneVariants.Canonical(e164);
            var forms = NationalPhoneVariants.Others(e164).Append(e164).Order().ToList();
            foreach (var form in forms)
            {
                var again = NationalPhoneVariants.Others(form).Append(form).Order().ToList();
                if (NationalPhoneVariants.Canonical(form) != canonical || !again.SequenceEqual(forms))
                {
                    throw new AssertionException(
                        $"{e164}: canonical {canonical}, forms {string.Join(",", forms)}; but {form} gives " +
                        $"{NationalPhoneVariants.Canonical(form)}, forms {string.Join(",", again)}");
                }
            }

            if (!forms.Contains(canonical)) throw new AssertionException($"{e164}: canonical {canonical} is not one of its forms");
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(20_000));
    }
}
