using Dapper;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests.Api;

/// <summary>
/// Issue 17, item 7: what a webhook wrote cannot drive the operator's terminal, and values that look like command
/// line syntax (<c>@file</c>, <c>-x</c>) still work where a value is expected. The real executable.
/// </summary>
[TestFixture]
public sealed class CliHostileInputTests
{
    [Test]
    public async Task Control_characters_in_a_profile_name_are_escaped_in_the_table()
    {
        using var db = await LeadSeed.CreateAsync();
        using (var connection = db.Connections.Open())
        {
            connection.Execute("UPDATE contacts SET profile_name = @name WHERE phone_e164 = '+15550100123'",
                new { name = "Eve\u001B]0;pwned\u0007\u202Eboss" });
        }

        var (exit, output, error) = await WorkerCli.RunAsync(db.FilePath, "leads", "recent", "--limit", "1000");

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Zero, error);
            Assert.That(output, Does.Contain("Eve\\u001B]0;pwned\\u0007"), "shown as escapes (the table cuts names at 24)");
            Assert.That(output.Any(c => char.IsControl(c) && c != '\n' && c != '\r'), Is.False, "no raw control character reaches the terminal");
            Assert.That(output, Does.Not.Contain("\u202E"));
        });
    }

    [TestCase("@shop", TestName = "A name starting with @ is a name, not a response file")]
    [TestCase("-shop", TestName = "A name starting with - is a name after --")]
    public async Task A_value_that_looks_like_syntax_is_still_a_value(string name)
    {
        using var db = await LeadSeed.CreateAsync();
        string[] rename = name.StartsWith('-')
            ? ["workspaces", "rename", LeadSeed.ShopA, "--", name]
            : ["workspaces", "rename", LeadSeed.ShopA, name];

        var (exit, output, error) = await WorkerCli.RunAsync(db.FilePath, rename);
        var (_, list, _) = await WorkerCli.RunAsync(db.FilePath, "workspaces", "list");

        Assert.Multiple(() =>
        {
            Assert.That(exit, Is.Zero, error);
            Assert.That(output, Does.Contain($"is now \"{name}\""));
            Assert.That(list, Does.Contain(LeadSeed.ShopA).And.Contain(name));
        });
    }
}
