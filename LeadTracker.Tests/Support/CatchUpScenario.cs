using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace LeadTracker.Tests.Support;

/// <summary>One thing that happened at Kapso: the webhook it sent, and the message item its API holds afterwards.</summary>
internal sealed record Happening(string EventType, byte[] Body, JsonObject ApiItem, DateTimeOffset? StoredAt)
{
    public HttpRequestMessage ToRequest() => UniqueEvents.Request(Body, EventType, Guid.NewGuid().ToString());
}

/// <summary>
/// A small business's last two hours on WhatsApp, as Kapso sees it: six leads writing, our replies with their
/// delivered/read/failed statuses, one lead renaming their profile midway, and one message sent three days ago that
/// is read during the stretch. Each happening has the webhook Kapso sends (v2 bodies, as documented) and the message
/// item its API then returns (a Meta message plus <c>kapso</c>). Outbound items name their lead in every documented
/// way: <c>to</c> as the lead, <c>to</c> as the business's own id with <c>kapso.phone_number</c>, only
/// <c>kapso.phone_number</c>, or nothing but the conversation (which the API's conversation lookup resolves).
/// </summary>
internal sealed class CatchUpScenario
{
    public const string PhoneNumberId = "110000000000777";
    private const int Leads = 6;
    private const int Messages = 48;

    private readonly DateTimeOffset _start;
    private readonly string _run = Convert.ToHexString(Guid.NewGuid().ToByteArray(), 0, 3);

    public CatchUpScenario(DateTimeOffset now)
    {
        _start = now.AddHours(-2);
        Happenings = Build(now);
    }

    public IReadOnlyList<Happening> Happenings { get; }

    /// <summary>Every conversation as the API's lookup returns it.</summary>
    public IEnumerable<(string Id, JsonObject Conversation)> Conversations =>
        Enumerable.Range(0, Leads).Select(lead => (ConversationId(lead), new JsonObject
        {
            ["id"] = ConversationId(lead),
            ["phone_number"] = "+" + Phone(lead),
            ["status"] = "active",
            ["phone_number_id"] = PhoneNumberId,
            ["kapso"] = new JsonObject { ["contact_name"] = Name(lead, late: true) },
        }));

    private List<Happening> Build(DateTimeOffset now)
    {
        var steps = new List<(double Step, Func<Happening> Make)>();

        // Sent three days ago, before any window reconcile reads; read in the middle of the stretch.
        var oldTime = now.AddDays(-3);
        var old = new Message(this, "old", lead: 1, outbound: true, oldTime, variant: 0);
        steps.Add((-1, () => old.Happen("sent", oldTime, oldTime)));
        steps.Add((Messages * 0.6, () => old.Happen("read", now.AddMinutes(-50), oldTime)));

        for (var i = 0; i < Messages; i++)
        {
            var lead = i % Leads;
            var outbound = i % 3 == 2;
            var at = _start.AddMinutes(i * 2);
            var message = new Message(this, i.ToString("D3", CultureInfo.InvariantCulture), lead, outbound, at, variant: i / 3 % 4);
            if (!outbound)
            {
                steps.Add((i, () => message.Happen("received", at, null)));
                continue;
            }

            steps.Add((i, () => message.Happen("sent", at, null)));
            if (i % 9 == 8)
            {
                steps.Add((i + 0.5, () => message.Happen("failed", at.AddSeconds(3), null)));
                continue;
            }

            steps.Add((i + 0.5, () => message.Happen("delivered", at.AddSeconds(2), null)));
            if (i % 2 == 0) steps.Add((i + 2.5, () => message.Happen("read", at.AddSeconds(90), null)));
        }

        return steps.OrderBy(s => s.Step).Select(s => s.Make()).ToList();
    }

    private static string Phone(int lead) => "1555020000" + lead.ToString(CultureInfo.InvariantCulture);

    private static string ConversationId(int lead) => $"7c0f5a2e-0000-4000-8000-00000000000{lead}";

    /// <summary>Lead 0 renames their WhatsApp profile halfway through.</summary>
    private string Name(int lead, bool late) => lead == 0 && late ? "Ana (new phone)" : $"Lead {lead}";

    private bool IsLate(DateTimeOffset at) => at >= _start.AddMinutes(Messages);

    private sealed class Message(CatchUpScenario scenario, string n, int lead, bool outbound, DateTimeOffset at, int variant)
    {
        private readonly string _wamid = "wamid.HBgLMTU1NTAyMDAw" + scenario._run + n + "FQIAEhgUM0VCMA==";
        private readonly string _text = outbound ? $"Thanks! Reply {n} from us." : $"Question {n} from a lead";
        private readonly List<JsonObject> _statuses = [];

        public Happening Happen(string status, DateTimeOffset when, DateTimeOffset? storedAt)
        {
            var phone = Phone(lead);
            var name = scenario.Name(lead, scenario.IsLate(at));
            if (status is not ("received" or "sent" or "failed")) _statuses.Add(Status(status, when));
            if (status == "sent") _statuses.Insert(0, Status("sent", when));
            if (status == "failed")
            {
                var failed = Status("failed", when);
                failed["errors"] = new JsonArray(new JsonObject
                {
                    ["code"] = 131047, ["title"] = "Re-engagement message",
                    ["message"] = "More than 24 hours have passed since the customer last replied",
                });
                _statuses.Add(failed);
            }

            // The webhook: a status event's message.timestamp is the status's time; statuses[] has the sent one.
            var message = new JsonObject
            {
                ["id"] = _wamid,
                ["timestamp"] = Seconds(status is "received" or "sent" ? at : when),
                ["type"] = "text",
                ["text"] = new JsonObject { ["body"] = _text },
                ["kapso"] = new JsonObject
                {
                    ["direction"] = outbound ? "outbound" : "inbound",
                    ["status"] = status,
                    ["processing_status"] = outbound ? "completed" : "pending",
                    ["origin"] = "cloud_api",
                    ["has_media"] = false,
                    ["content"] = _text,
                },
            };
            if (!outbound) message["from"] = phone;
            if (outbound) message["kapso"]!["statuses"] = new JsonArray(_statuses.Select(s => (JsonNode)s.DeepClone()).ToArray());

            var conversation = new JsonObject
            {
                ["id"] = ConversationId(lead),
                ["phone_number"] = "+" + phone,
                ["status"] = "active",
                ["phone_number_id"] = PhoneNumberId,
            };
            if (status is "received" or "sent") conversation["kapso"] = new JsonObject { ["contact_name"] = name };

            var body = new JsonObject
            {
                ["message"] = message,
                ["conversation"] = conversation,
                ["is_new_conversation"] = false,
                ["phone_number_id"] = PhoneNumberId,
            };

            return new Happening("whatsapp.message." + status, Encoding.UTF8.GetBytes(body.ToJsonString()),
                ApiItem(status, phone, name), storedAt);
        }

        /// <summary>The message as Kapso's API lists it after this happening: its own time, its current status.</summary>
        private JsonObject ApiItem(string status, string phone, string name)
        {
            var kapso = new JsonObject
            {
                ["direction"] = outbound ? "outbound" : "inbound",
                ["status"] = outbound ? status : "delivered",
                ["processing_status"] = "completed",
                ["whatsapp_conversation_id"] = ConversationId(lead),
                ["contact_name"] = name,
                ["has_media"] = false,
                ["content"] = _text,
            };
            var item = new JsonObject
            {
                ["id"] = _wamid,
                ["timestamp"] = Seconds(at),
                ["type"] = "text",
                ["text"] = new JsonObject { ["body"] = _text },
            };
            if (!outbound)
            {
                item["from"] = phone;
                kapso["phone_number"] = "+" + phone;
            }
            else
            {
                switch (variant)
                {
                    case 0: item["to"] = phone; break;
                    case 1: item["to"] = PhoneNumberId; kapso["phone_number"] = phone; break;
                    case 2: kapso["phone_number"] = "+" + phone; break;
                    default: break; // only the conversation knows
                }

                kapso["statuses"] = new JsonArray(_statuses.Select(s => (JsonNode)s.DeepClone()).ToArray());
            }

            item["kapso"] = kapso;
            return item;
        }

        private JsonObject Status(string status, DateTimeOffset when) => new()
        {
            ["id"] = _wamid, ["status"] = status, ["timestamp"] = Seconds(when), ["recipient_id"] = Phone(lead),
        };

        private static string Seconds(DateTimeOffset t) => t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
    }
}
