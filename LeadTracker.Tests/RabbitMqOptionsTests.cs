using System.ComponentModel.DataAnnotations;
using LeadTracker.Hosting;

namespace LeadTracker.Tests;

/// <summary>The broker settings: the node list, the queue type, and what validation at start refuses.</summary>
public sealed class RabbitMqOptionsTests
{
    [Test]
    public void Without_Hosts_the_one_node_is_Host_and_Port()
    {
        var options = new RabbitMqOptions { Host = "rabbit.internal", Port = 5673 };
        Assert.That(options.Nodes(), Is.EqualTo(new[] { new BrokerNode("rabbit.internal", 5673) }));
    }

    [Test]
    public void Hosts_lists_every_node_in_order_with_5672_where_no_port_is_given()
    {
        var options = new RabbitMqOptions { Host = "ignored", Hosts = "localhost:5682, rabbit-2 ,10.0.0.3:5684" };
        Assert.That(options.Nodes(), Is.EqualTo(new[]
        {
            new BrokerNode("localhost", 5682), new BrokerNode("rabbit-2", 5672), new BrokerNode("10.0.0.3", 5684),
        }));
    }

    [TestCase("quorum", StreamQueueType.Quorum)]
    [TestCase("Quorum", StreamQueueType.Quorum)]
    [TestCase("classic", StreamQueueType.Classic)]
    public void QueueType_is_quorum_or_classic_in_any_case(string setting, StreamQueueType expected)
    {
        var options = new RabbitMqOptions { QueueType = setting };
        Assert.Multiple(() =>
        {
            Assert.That(Errors(options), Is.Empty);
            Assert.That(options.StreamQueueType, Is.EqualTo(expected));
        });
    }

    [Test]
    public void The_default_for_a_fresh_install_is_quorum() =>
        Assert.That(new RabbitMqOptions().StreamQueueType, Is.EqualTo(StreamQueueType.Quorum));

    [TestCase("mirrored")]
    [TestCase("stream")]
    [TestCase("1")]
    [TestCase("")]
    public void Any_other_QueueType_is_refused_naming_the_setting(string setting) =>
        Assert.That(Errors(new RabbitMqOptions { QueueType = setting }), Has.One.Contains("QueueType").And.Contains("'quorum' or 'classic'"));

    [TestCase("localhost:0", "no port between 1 and 65535")]
    [TestCase("localhost:70000", "no port between 1 and 65535")]
    [TestCase("localhost:amqp", "no port between 1 and 65535")]
    [TestCase("a:1:2", "is not host or host:port")]
    [TestCase(":5672", "is not host or host:port")]
    [TestCase("a:5672,,b:5673", "an empty entry")]
    public void A_malformed_Hosts_list_is_refused_naming_the_bad_entry(string hosts, string reason) =>
        Assert.That(Errors(new RabbitMqOptions { Hosts = hosts }), Has.One.Contains("Hosts").And.Contains(reason));

    private static string[] Errors(RabbitMqOptions options)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        return results.Select(r => r.ErrorMessage ?? "").ToArray();
    }
}
