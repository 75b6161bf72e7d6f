using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using LeadTracker.Contracts;
using LeadTracker.Hosting;
using LeadTracker.Tests.Support;
using Microsoft.Data.Sqlite;
using RabbitMQ.Client;

namespace LeadTracker.Tests;

/// <summary>
/// A Kapso buffered batch travels as one broker message; one of its events that cannot apply goes to the error
/// queue alone, with its reason in MassTransit's fault headers, while its neighbours commit. Moved back into its
/// queue once the operator fixed the cause, it is consumed like any other message. Real processes, real RabbitMQ.
/// </summary>
[TestFixture]
[Category("Integration")]
public sealed class CoalescedMessagePipelineTests
{
    private const string Known = "110000000000001";
    private const string Unknown = "110000000000999";
    private const string ErrorQueue = QueueNames.MessageEvents + QueueNames.ErrorSuffix;

    [Test]
    public async Task One_event_of_a_batch_for_an_unknown_business_number_is_rejected_alone_and_replays_once_the_workspace_exists()
    {
        await using var system = await LeadTrackerSystem.StartAsync("coalesced",
            new Dictionary<string, string> { ["LeadTracker__Worker__CreateWorkspaces"] = "false" });
        AddWorkspace(system, Known);

        var fixture = KapsoFixtures.Get("kapso-batch-message-received-3.json");
        var body = JsonNode.Parse(fixture.Body)!.AsObject();
        var items = body["data"]!.AsArray();
        items[1] = JsonNode.Parse(items[1]!.ToJsonString().Replace(Known, Unknown, StringComparison.Ordinal));
        using (var response = await system.Http.SendAsync(KapsoFixtures.Request(fixture, Encoding.UTF8.GetBytes(body.ToJsonString()))))
        {
            Assert.That((int)response.StatusCode, Is.EqualTo(200));
        }

        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM messages") == 2, TimeSpan.FromSeconds(30), "the two good events");
        IReadOnlyList<JsonElement> errors = [];
        await system.WaitUntilAsync(() => (errors = system.Broker.PeekAsync(ErrorQueue).GetAwaiter().GetResult()).Count == 1,
            TimeSpan.FromSeconds(30), "the bad event in " + ErrorQueue);
        var headers = errors[0].GetProperty("properties").GetProperty("headers");
        string Header(string name) => headers.TryGetProperty(name, out var v) ? v.ToString() : "(missing)";
        var key = fixture.Headers["X-Idempotency-Key"];
        Assert.Multiple(() =>
        {
            Assert.That(Header("MT-Fault-Message"), Does.Contain(Unknown).And.Contain("not a known workspace"));
            Assert.That(Header("MT-Fault-ExceptionType"), Does.EndWith("UnknownWorkspaceException"));
            Assert.That(Header("MT-Reason"), Is.EqualTo("fault"));
            Assert.That(Header("MT-Fault-Timestamp"), Is.Not.EqualTo("(missing)"));
            Assert.That(Header(EventHeaders.EventType), Is.EqualTo("whatsapp.message.received"));
            Assert.That(Header(EventHeaders.IdempotencyKey), Is.EqualTo(key + "#1"));
            Assert.That(errors[0].GetProperty("payload").GetString(), Does.Contain("urn:message:LeadTracker.Contracts:KapsoMessageEvent\""),
                "a single-event message, not the batch");
        });

        // The operator adds the business number, then moves the message back (what a shovel does).
        AddWorkspace(system, Unknown);
        await MoveBackAsync(system.Broker.VirtualHost);
        await system.WaitUntilAsync(() => system.Count("SELECT COUNT(*) FROM messages") == 3, TimeSpan.FromSeconds(30), "the replayed event");
        Assert.That(await system.Broker.PeekAsync(ErrorQueue), Is.Empty);
    }

    private static void AddWorkspace(LeadTrackerSystem system, string phoneNumberId)
    {
        using var db = new SqliteConnection($"Data Source={system.DatabasePath};Pooling=False");
        db.Open();
        db.Execute("INSERT INTO workspaces (phone_number_id, created_at) VALUES (@phoneNumberId, 0)", new { phoneNumberId });
    }

    private static async Task MoveBackAsync(string virtualHost)
    {
        var factory = new ConnectionFactory { HostName = TestBroker.Host, VirtualHost = virtualHost, UserName = "guest", Password = "guest" };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var message = await channel.BasicGetAsync(ErrorQueue, autoAck: false);
        Assert.That(message, Is.Not.Null);
        await channel.BasicPublishAsync(string.Empty, QueueNames.MessageEvents, mandatory: true,
            new BasicProperties(message!.BasicProperties), message.Body);
        await channel.BasicAckAsync(message.DeliveryTag, multiple: false);
    }
}
