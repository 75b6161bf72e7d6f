using System.Net;
using LeadTracker.Worker.Alerts;

namespace LeadTracker.Tests.Alerts;

/// <summary>
/// The signature is Standard Webhooks' (docs/alerts.md): checked against the spec's published example and against
/// the test receiver's own HMAC code, and which answers are retried.
/// </summary>
[TestFixture]
public sealed class AlertSigningTests
{
    [Test]
    public void The_signature_matches_the_published_example_and_the_receivers_own_check()
    {
        // The Standard Webhooks specification's example (spec/standard-webhooks.md): secret, id, timestamp, payload, signature.
        const string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        var example = AlertSigner.Headers(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", DateTimeOffset.FromUnixTimeSeconds(1614265330), """{"test": 2432232314}""");

        var now = DateTimeOffset.UtcNow;
        var body = """{"type":"lead.waiting","text":"Ana has waited 31 min"}""";
        var headers = AlertSigner.Headers(secret, "alert_1", now, body).ToDictionary(h => h.Key, h => h.Value);

        Assert.Multiple(() =>
        {
            Assert.That(example.Single(h => h.Key == "webhook-signature").Value, Is.EqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="));
            Assert.That(example.Single(h => h.Key == "webhook-timestamp").Value, Is.EqualTo("1614265330"));
            Assert.That(AlertReceiver.Verified(secret, "alert_1", headers["webhook-timestamp"], body, headers["webhook-signature"]), Is.True);
            Assert.That(AlertReceiver.Verified(secret, "alert_1", headers["webhook-timestamp"], body + " ", headers["webhook-signature"]), Is.False, "another body");
            Assert.That(AlertReceiver.Verified(secret, "alert_2", headers["webhook-timestamp"], body, headers["webhook-signature"]), Is.False, "another id");
        });
    }

    [TestCase(HttpStatusCode.OK, "Sent")]
    [TestCase(HttpStatusCode.NoContent, "Sent")]
    [TestCase(HttpStatusCode.Gone, "Gone")]
    [TestCase(HttpStatusCode.BadRequest, "Failed")]
    [TestCase(HttpStatusCode.NotFound, "Failed")]
    [TestCase(HttpStatusCode.MovedPermanently, "Failed")]
    [TestCase(HttpStatusCode.RequestTimeout, "Retry")]
    [TestCase(HttpStatusCode.TooManyRequests, "Retry")]
    [TestCase(HttpStatusCode.InternalServerError, "Retry")]
    [TestCase(HttpStatusCode.ServiceUnavailable, "Retry")]
    public void Answers_are_sent_retried_failed_or_gone(HttpStatusCode status, string expected) =>
        Assert.That(AlertSender.Classify(status).Outcome.ToString(), Is.EqualTo(expected));

    [Test]
    public void Waits_grow_with_jitter_up_to_the_cap()
    {
        var options = new AlertOptions { FirstRetryDelay = TimeSpan.FromSeconds(30), MaxRetryDelay = TimeSpan.FromMinutes(10) };
        var first = Enumerable.Range(0, 50).Select(_ => AlertBackoff.After(1, options)).ToList();
        var sixth = Enumerable.Range(0, 50).Select(_ => AlertBackoff.After(6, options)).ToList();
        var late = Enumerable.Range(0, 50).Select(_ => AlertBackoff.After(30, options)).ToList();

        Assert.Multiple(() =>
        {
            Assert.That(first.Distinct().Count(), Is.GreaterThan(10), "jitter: not all the same");
            Assert.That(first.Average(t => t.TotalSeconds), Is.LessThan(sixth.Average(t => t.TotalSeconds)), "exponential growth");
            Assert.That(late, Has.All.LessThanOrEqualTo(options.MaxRetryDelay));
            Assert.That(first, Has.All.GreaterThan(TimeSpan.Zero));
        });
    }
}
