using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LeadTracker.Testing;

namespace LeadTracker.Tests;

/// <summary>
/// What the documentation tells a reader to rely on: every relative link leads somewhere
/// (scripts/check-doc-links.py, as a contributor runs it), and the README's receiver-side signature check, run as
/// printed, accepts what the Standard Webhooks scheme signs and refuses a changed body or a stale timestamp.
/// </summary>
[TestFixture]
public sealed class DocsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Every_relative_link_in_the_docs_resolves()
    {
        var run = await ProgramRun.RunAsync("python3", [Path.Combine("scripts", "check-doc-links.py")], Timeout,
            workingDirectory: RepoPaths.Root);

        Assert.That(run.ExitCode, Is.Zero, run.Output);
    }

    [Test]
    public async Task The_READMEs_receiver_check_accepts_a_signed_alert_and_refuses_a_changed_or_stale_one()
    {
        // The specification's published vector, and a signature made here from the scheme's text: HMAC-SHA256 over
        // "id.timestamp.body", keyed with the bytes the secret's base64 (after whsec_) stands for.
        const string vectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        const string vectorBody = """{"test": 2432232314}""";
        var vector = Headers("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");

        var key = RandomNumberGenerator.GetBytes(32);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        const string body = """{"text":"María López has waited 35 min","lead":{"phone":"+15550100123"}}""";
        var signature = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"msg_1.{now}.{body}")));
        var rotated = Headers("msg_1", now, "v1,c3RhbGUga2V5IHNpZ25hdHVyZQ== " + signature);

        var cases = new (string Name, object Case, bool Expected)[]
        {
            ("the specification's vector", Case(vectorSecret, vector, vectorBody, 1614265330 + 10), true),
            ("the vector with one byte of its body changed", Case(vectorSecret, vector, vectorBody.Replace('2', '3'), 1614265330 + 10), false),
            ("the vector an hour after its timestamp", Case(vectorSecret, vector, vectorBody, 1614265330 + 3600), false),
            ("signed here now, after a rotated-out signature", Case("whsec_" + Convert.ToBase64String(key), rotated, body, null), true),
            ("signed here now, checked with another secret", Case(vectorSecret, rotated, body, null), false),
        };

        var script = Path.Combine(Path.GetTempPath(), $"leadtracker-receiver-{Guid.NewGuid():N}.py");
        await File.WriteAllTextAsync(script, ReadmeReceiverCheck() + Driver);
        try
        {
            var run = await ProgramRun.RunAsync("python3", [script, JsonSerializer.Serialize(cases.Select(c => c.Case))], Timeout);

            Assert.That(run.ExitCode, Is.Zero, run.Output);
            var answers = run.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Multiple(() =>
            {
                for (var i = 0; i < cases.Length; i++)
                    Assert.That(answers.ElementAtOrDefault(i), Is.EqualTo(cases[i].Expected ? "True" : "False"), cases[i].Name);
            });
        }
        finally
        {
            File.Delete(script);
        }
    }

    private const string Driver = """


        import json, sys
        clock = time.time
        for case in json.loads(sys.argv[1]):
            time.time = clock if case["now"] is None else (lambda now=case["now"]: now)
            print(verify(case["secret"], case["headers"], case["body"].encode()))
        """;

    private static Dictionary<string, string> Headers(string id, long timestamp, string signature) => new()
    {
        ["webhook-id"] = id,
        ["webhook-timestamp"] = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["webhook-signature"] = signature,
    };

    private static Dictionary<string, object?> Case(string secret, Dictionary<string, string> headers, string body, long? now) => new()
    {
        ["secret"] = secret,
        ["headers"] = headers,
        ["body"] = body,
        ["now"] = now,
    };

    /// <summary>The first python block of the README's Alerts section, as printed there.</summary>
    private static string ReadmeReceiverCheck()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var section = readme.IndexOf("\n## Alerts\n", StringComparison.Ordinal);
        Assert.That(section, Is.GreaterThan(0), "the README has no Alerts section");
        var start = readme.IndexOf("```python\n", section, StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThan(0), "the README's Alerts section has no python block");
        start += "```python\n".Length;
        return readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
    }
}
