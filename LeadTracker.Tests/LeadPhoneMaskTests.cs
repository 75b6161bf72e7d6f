using LeadTracker.Worker.Domain;

namespace LeadTracker.Tests;

/// <summary>
/// What a log line shows of a lead's number (docs/security.md: no log line carries one): the last four digits
/// behind one star per other character, and four stars for a number too short to keep any of it.
/// </summary>
[TestFixture]
public sealed class LeadPhoneMaskTests
{
    [TestCase("+15550100123", "********0123", TestName = "A number keeps its last four digits behind a star per other character")]
    [TestCase("+1234", "*1234", TestName = "Five characters: one star")]
    [TestCase("1234", "****", TestName = "Four characters are all masked")]
    [TestCase("12", "****", TestName = "A shorter one is four stars, not its own length")]
    [TestCase(null, "****", TestName = "No number is four stars")]
    public void A_phone_in_a_log_line_shows_at_most_its_last_four_digits(string? phone, string masked) =>
        Assert.That(LeadPhone.Mask(phone), Is.EqualTo(masked));
}
