using System.Text;
using LeadTracker.Ingress;
using LeadTracker.Tests.Support;

namespace LeadTracker.Tests;

/// <summary>Known signature vectors: hex HMAC-SHA256 over the exact bytes, nothing else (docs/kapso.md).</summary>
[TestFixture]
public sealed class WebhookSignatureTests
{
    private static readonly WebhookSignature Signature = new(Encoding.UTF8.GetBytes(KapsoFixtures.Secret));

    [TestCase("kapso-message-received-text.min.json", "7be6b1fd2b3e67c9d74ffcab24d38b42940bba79c3b5bb5d6ee75c1565a3060b")]
    [TestCase("kapso-message-received-text.json", "d19a3436b3460b00b9f99096abb131c42522d041dbdf52a51895737cc076d285")]
    public void The_published_vectors_verify_over_the_stored_bytes(string file, string signature)
    {
        var body = KapsoFixtures.Get(file).Body;
        Assert.Multiple(() =>
        {
            Assert.That(Signature.Check(body, signature), Is.EqualTo(SignatureCheck.Valid));
            Assert.That(Signature.Sign(body), Is.EqualTo(signature));
        });
    }

    [Test]
    public void The_same_document_pretty_printed_does_not_verify_with_the_compact_signature()
    {
        var pretty = KapsoFixtures.Get("kapso-message-received-text.json").Body;
        Assert.That(Signature.Check(pretty, "7be6b1fd2b3e67c9d74ffcab24d38b42940bba79c3b5bb5d6ee75c1565a3060b"),
            Is.EqualTo(SignatureCheck.Mismatch));
    }

    [Test]
    public void The_inline_vector_verifies_and_its_base64_form_does_not()
    {
        var body = """{"message":{"id":"wamid.TEST"},"phone_number_id":"110000000000001"}"""u8.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(Signature.Check(body, "5adf130c304a3d7f46a92452fe06958e93edfd0278b9298692f1e0a63a009d0a"),
                Is.EqualTo(SignatureCheck.Valid));
            Assert.That(Signature.Check(body, "Wt8TDDBKPX9GqSRS/gaVjpPt/QJ4uSmGkvHgpjoAnQo="), Is.EqualTo(SignatureCheck.Malformed));
        });
    }

    [TestCase(null, "Missing")]
    [TestCase("", "Missing")]
    [TestCase("abc", "Malformed")]
    [TestCase("sha256=7be6b1fd2b3e67c9d74ffcab24d38b42940bba79c3b5bb5d6ee75c1565a3060b", "Malformed")]
    [TestCase("zze6b1fd2b3e67c9d74ffcab24d38b42940bba79c3b5bb5d6ee75c1565a3060b", "Malformed")]
    [TestCase("0000000000000000000000000000000000000000000000000000000000000000", "Mismatch")]
    public void Anything_but_the_right_hex_digest_is_rejected(string? header, string expected)
    {
        var body = KapsoFixtures.Get("kapso-message-received-text.min.json").Body;
        Assert.That(Signature.Check(body, header).ToString(), Is.EqualTo(expected));
    }

    [Test]
    public void A_signature_made_with_another_secret_is_a_mismatch()
    {
        var body = KapsoFixtures.Get("kapso-message-sent.json").Body;
        Assert.That(Signature.Check(body, KapsoFixtures.Sign(body, "another-secret")), Is.EqualTo(SignatureCheck.Mismatch));
    }
}
