using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using LeadTracker.Contracts;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Kapso;
using LeadTracker.Worker.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Tests;

/// <summary>
/// The worker's parser against every payload a hostile or broken sender could relay: each fixture with fields
/// dropped, values replaced by other kinds (strings, numbers, null, objects, arrays), text truncated or bytes
/// flipped, and under the wrong event type. <see cref="KapsoEventParser.Parse"/> either returns facts the store
/// can apply, or throws <see cref="InvalidKapsoPayloadException"/> naming the event type and the reason (which
/// sends the message straight to the error queue); never any other exception, which MassTransit would retry and
/// file without a reason.
/// </summary>
[TestFixture]
public sealed partial class ParserPropertyTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 2, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] EventTypes =
    [
        "whatsapp.message.received", "whatsapp.message.sent", "whatsapp.message.delivered", "whatsapp.message.read",
        "whatsapp.message.failed", "whatsapp.contact.identity_changed", "whatsapp.contact.marketing_preference_changed",
        "contact.updated", EventStreams.MetaForward, "whatsapp.conversation.created", "something.unknown",
    ];

    /// <summary>What the worker is handed: each fixture as the ingress relays it (a batch becomes its items).</summary>
    private static readonly ParserCase[] Seeds = KapsoFixtures.All.SelectMany(SeedsOf).ToArray();

    private static IEnumerable<ParserCase> SeedsOf(KapsoFixture fixture)
    {
        var type = fixture.EventType.Length > 0 ? fixture.EventType : EventStreams.MetaForward;
        if (!fixture.Headers.ContainsKey("X-Webhook-Batch"))
        {
            yield return new ParserCase(type, fixture.Json, fixture.File);
            yield break;
        }

        using var batch = JsonDocument.Parse(fixture.Body);
        var index = 0;
        foreach (var item in batch.RootElement.GetProperty("data").EnumerateArray())
            yield return new ParserCase(type, item.GetRawText(), $"{fixture.File}#{index++}");
    }

    [Test]
    public void Every_unmutated_fixture_parses_into_facts_the_store_applies()
    {
        using var db = new TempDatabase();
        var store = FastStore(db);
        foreach (var seed in LoadedSeeds())
        {
            var events = TestEvents.Parse(seed.EventType, seed.Json, ReceivedAt);
            // Not just "does not throw": a parser that returns nothing would pass that. Every message id the payload
            // carries (read with a regular expression, not the parser's shapes) is a fact, and every fixture but a
            // conversation event (acknowledged, no lead) gives at least one fact.
            var wamids = WamidInPayload().Matches(seed.Json).Select(m => m.Groups[1].Value).Distinct().ToList();
            Assert.That(events.Where(e => e.Message is not null).Select(e => e.Message!.Wamid).Distinct(), Is.SupersetOf(wamids),
                seed.ToString());
            if (!seed.EventType.StartsWith("whatsapp.conversation.", StringComparison.Ordinal))
                Assert.That(events, Is.Not.Empty, seed.ToString());
            Assert.That(() => store.ApplyAsync(events, CancellationToken.None), Throws.Nothing, seed.ToString());
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("\"id\"\\s*:\\s*\"(wamid\\.[^\"]+)\"")]
    private static partial System.Text.RegularExpressions.Regex WamidInPayload();

    [Test]
    public void Every_single_field_dropped_or_replaced_in_every_fixture_is_applied_or_rejected_with_its_reason()
    {
        // Exhaustive where it is cheap: each node of each fixture, removed, and replaced by each kind of value.
        using var db = new TempDatabase();
        var store = FastStore(db);
        var cases = 0;
        foreach (var seed in LoadedSeeds())
        {
            var paths = JsonMutator.Paths(JsonNode.Parse(seed.Json)!);
            foreach (var path in paths)
            {
                foreach (var mutated in JsonMutator.EveryReplacementAt(seed.Json, path))
                {
                    Check(seed with { Json = mutated.Json, Mutations = $"{seed.Mutations}; {mutated.What} at {path}" }, store);
                    cases++;
                }
            }
        }

        TestContext.Out.WriteLine($"{cases:N0} single-node mutations of {Seeds.Length} payloads");
    }

    [Test]
    public void Randomly_mutated_fixtures_are_applied_or_rejected_with_their_reason()
    {
        using var db = new TempDatabase();
        var store = FastStore(db);
        var gen =
            from seed in Gen.Elements(LoadedSeeds())
            from rounds in Gen.Choose(1, 6)
            from random in Gen.Choose(0, int.MaxValue)
            from retype in Gen.Frequency((5, Gen.Constant<string?>(null)), (1, Gen.Elements(EventTypes).Select(t => (string?)t)))
            select JsonMutator.MutateTree(seed, rounds, new Random(random), retype);

        Prop.ForAll(gen.ToArbitrary(), c => Check(c, store)).Check(Config.QuickThrowOnFailure.WithMaxTest(3_000));
    }

    [Test]
    public void Truncated_and_byte_flipped_fixtures_are_applied_or_rejected_with_their_reason()
    {
        using var db = new TempDatabase();
        var store = FastStore(db);
        var gen =
            from seed in Gen.Elements(LoadedSeeds())
            from rounds in Gen.Choose(1, 4)
            from random in Gen.Choose(0, int.MaxValue)
            select JsonMutator.MutateText(seed, rounds, new Random(random));

        Prop.ForAll(gen.ToArbitrary(), c => Check(c, store)).Check(Config.QuickThrowOnFailure.WithMaxTest(3_000));
    }

    [Test]
    public void Arbitrary_strings_under_every_event_type_are_rejected_with_their_reason_or_ignored()
    {
        var gen =
            from type in Gen.Elements(EventTypes)
            from text in ArbMap.Default.GeneratorFor<string>()
            select new ParserCase(type, text ?? "", "arbitrary string");

        Prop.ForAll(gen.ToArbitrary(), c => Check(c, store: null)).Check(Config.QuickThrowOnFailure.WithMaxTest(2_000));
    }

    [TestCase("")]
    [TestCase("null")]
    [TestCase("[]")]
    [TestCase("{}")]
    [TestCase("{\"message\":null}")]
    [TestCase("{\"message\":{\"id\":\"\\ud800\"},\"phone_number_id\":\"1\"}")]
    [TestCase("{\"message\":{\"id\":\"w\",\"kapso\":{\"statuses\":[null]}},\"phone_number_id\":\"1\",\"conversation\":{\"phone_number\":\"+15550100123\"}}")]
    [TestCase("{\"object\":\"whatsapp_business_account\",\"entry\":[null]}")]
    [TestCase("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[null]}]}")]
    [TestCase("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"1\"},\"messages\":[null]}}]}]}")]
    [TestCase("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"1\"},\"contacts\":[null],\"messages\":[{\"id\":\"w\",\"from\":\"15550100123\"}]}}]}]}")]
    [TestCase("{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"1\"},\"statuses\":[null]}}]}]}")]
    public void Known_hostile_shapes_are_rejected_with_their_reason_or_ignored(string json)
    {
        foreach (var type in EventTypes) Check(new ParserCase(type, json, "hand-written"), store: null);
    }

    /// <summary>
    /// The seeds, after asserting every fixture gave at least one: over no fixtures (an empty or unread manifest) the
    /// loops above check nothing and would pass.
    /// </summary>
    private static ParserCase[] LoadedSeeds()
    {
        Assert.That(KapsoFixtures.All, Is.Not.Empty, "no Kapso fixture loaded from Fixtures/Kapso/manifest.json");
        Assert.That(Seeds.Select(s => s.Mutations.Split('#')[0]).Distinct(), Is.EquivalentTo(KapsoFixtures.All.Select(f => f.File)),
            "every fixture gives the parser at least one payload");
        return Seeds;
    }

    /// <summary>The property: facts that apply cleanly, or the one exception type with "{event type}: {reason}".</summary>
    private static void Check(ParserCase c, LeadStore? store)
    {
        IReadOnlyList<LeadEvent> events;
        try
        {
            events = TestEvents.Parse(c.EventType, c.Json, ReceivedAt);
        }
        catch (InvalidKapsoPayloadException e)
        {
            // A Meta forward names the type of the part that failed (whatsapp.message.received/…): also an event type.
            // The worker knows a type outside the table as the row the ingress gave it, "other".
            var type = KapsoEventTypes.Label(c.EventType);
            var named = e.Message.StartsWith(type + ": ", StringComparison.Ordinal)
                || (type == EventStreams.MetaForward && e.Message.StartsWith("whatsapp.message.", StringComparison.Ordinal));
            if (!named || e.Message.Length < type.Length + 10)
                throw new AssertionException($"the reason does not name the event type and a reason: \"{e.Message}\"\n{c}");
            return;
        }
        catch (Exception e)
        {
            throw new AssertionException($"{e.GetType().Name} escaped the parser: {e.Message}\n{c}", e);
        }

        foreach (var fact in events)
        {
            if (string.IsNullOrWhiteSpace(fact.PhoneNumberId)) throw new AssertionException("a fact without phone_number_id\n" + c);
            if (fact.Contact is { } contact && !contact.Identities().Any()) throw new AssertionException("a contact without identity\n" + c);
            if (fact.Message is { } message && (string.IsNullOrWhiteSpace(message.Wamid) || fact.Contact is null))
                throw new AssertionException("a message without wamid or contact\n" + c);
        }

        if (store is null || events.Count == 0) return;
        try
        {
            store.ApplyAsync(events, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            throw new AssertionException($"the store could not apply what the parser accepted: {e.GetType().Name}: {e.Message}\n{c}", e);
        }
    }

    /// <summary>Thousands of transactions: skip the fsync per commit, the semantics are the same.</summary>
    private static LeadStore FastStore(TempDatabase db) =>
        new(new SqliteConnectionFactory(db.ConnectionString, SqliteDurability.Normal), NullLogger<LeadStore>.Instance);
}

/// <summary>One payload for the parser, with the mutations that made it (printed when a property fails).</summary>
internal sealed record ParserCase(string EventType, string Json, string Mutations)
{
    public override string ToString() =>
        $"event type: {EventType}\nmutations: {Mutations}\npayload ({Json.Length} chars): {(Json.Length > 4000 ? Json[..4000] + "…" : Json)}";
}

/// <summary>Structural and textual damage to JSON payloads.</summary>
internal static class JsonMutator
{
    // Values JsonNode cannot hold (an escaped lone surrogate, nesting beyond its depth limit): written as markers,
    // replaced in the text.
    private const string LoneSurrogate = "@@lone-surrogate@@";
    private const string TooDeep = "@@too-deep@@";

    private static readonly string[] Strings =
    [
        "", " ", "x", "null", "true", "0", "-1", "1768471200", "99999999999999999999", "1e3", "0x10", " 123", "1768471200.5",
        "253402300800", "2026-01-15T10:00:00Z", "not a date", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
        "+1 555-010-0123", "15550100123", "123", "+" + new string('9', 20), "٠١٢٣٤٥٦٧٨٩", "inbound", "outbound", "sideways",
        "sent", "delivered", "read", "failed", "played", "stopped", "resumed", "whatsapp_business_account", "messages",
        "US.1", "wamid.X", "Zoë 👋 ñ", "\u0000", "\\", "\"", "\u200B", new string('a', 10_000),
    ];

    /// <summary>JSON paths of every node under <paramref name="root"/> (objects' properties and arrays' items).</summary>
    public static List<string> Paths(JsonNode root)
    {
        var paths = new List<string>();
        void Walk(JsonNode? node, string path)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (var (key, child) in obj)
                    {
                        paths.Add(path + "." + key);
                        Walk(child, path + "." + key);
                    }

                    break;
                case JsonArray array:
                    for (var i = 0; i < array.Count; i++)
                    {
                        paths.Add($"{path}[{i}]");
                        Walk(array[i], $"{path}[{i}]");
                    }

                    break;
            }
        }

        Walk(root, "$");
        return paths;
    }

    /// <summary>The node at <paramref name="path"/> removed, then replaced by each kind of value in turn.</summary>
    public static IEnumerable<(string What, string Json)> EveryReplacementAt(string json, string path)
    {
        yield return ("removed", Apply(json, path, (parent, key, index) => Remove(parent, key, index)));
        foreach (var (what, value) in Values())
            yield return ("replaced by " + what, Apply(json, path, (parent, key, index) => Set(parent, key, index, value())));
    }

    public static ParserCase MutateTree(ParserCase seed, int rounds, Random random, string? retype)
    {
        var root = JsonNode.Parse(seed.Json)!;
        var log = new StringBuilder(seed.Mutations);
        for (var round = 0; round < rounds; round++)
        {
            var paths = Paths(root);
            if (paths.Count == 0) break;
            var path = paths[random.Next(paths.Count)];
            var (parent, key, index) = Locate(root, path);
            switch (random.Next(4))
            {
                case 0:
                    Remove(parent, key, index);
                    log.Append($"; removed {path}");
                    break;
                case 1:
                    var (what, value) = RandomValue(random, depth: 0);
                    Set(parent, key, index, value);
                    log.Append($"; {path} = {what}");
                    break;
                case 2:
                    var values = Values().ToArray();
                    var (kind, make) = values[random.Next(values.Length)];
                    Set(parent, key, index, make());
                    log.Append($"; {path} = {kind}");
                    break;
                default:
                    // Wrap the value one level deeper: a string where an object was expected, and the other way round.
                    var current = Get(parent, key, index);
                    Set(parent, key, index, random.Next(2) == 0
                        ? new JsonArray(current?.DeepClone())
                        : new JsonObject { ["value"] = current?.DeepClone() });
                    log.Append($"; wrapped {path}");
                    break;
            }
        }

        if (retype is not null) log.Append($"; event type {seed.EventType} -> {retype}");
        return new ParserCase(retype ?? seed.EventType, Serialize(root), log.ToString());
    }

    public static ParserCase MutateText(ParserCase seed, int rounds, Random random)
    {
        var text = new StringBuilder(seed.Json);
        var log = new StringBuilder(seed.Mutations);
        const string Specials = "\"{}[],:\\ \n0-.eE\u0000\ud800\udc00\uffff\u00e9";
        for (var round = 0; round < rounds && text.Length > 0; round++)
        {
            var at = random.Next(text.Length);
            switch (random.Next(6))
            {
                case 0:
                    text.Length = at;
                    log.Append($"; truncated at {at}");
                    break;
                case 1:
                    text.Remove(at, 1);
                    log.Append($"; deleted char {at}");
                    break;
                case 2:
                    var inserted = Specials[random.Next(Specials.Length)];
                    text.Insert(at, inserted);
                    log.Append($"; inserted U+{(int)inserted:X4} at {at}");
                    break;
                case 3:
                    var flipped = (char)(text[at] ^ (1 << random.Next(8)));
                    text[at] = flipped;
                    log.Append($"; flipped a bit of char {at} to U+{(int)flipped:X4}");
                    break;
                case 4:
                    // A byte flipped on the wire, decoded as the ingress would (invalid UTF-8 never gets this far).
                    var bytes = Encoding.UTF8.GetBytes(text.ToString());
                    var position = random.Next(bytes.Length);
                    bytes[position] ^= (byte)(1 << random.Next(8));
                    text.Clear().Append(Encoding.UTF8.GetString(bytes));
                    log.Append($"; flipped a bit of byte {position}");
                    break;
                default:
                    var length = Math.Min(random.Next(1, 40), text.Length - at);
                    text.Insert(random.Next(text.Length), text.ToString(at, length));
                    log.Append($"; duplicated {length} chars from {at}");
                    break;
            }
        }

        return seed with { Json = text.ToString(), Mutations = log.ToString() };
    }

    /// <summary>One of each kind of JSON value, made fresh on each call (a node has one parent).</summary>
    private static IEnumerable<(string What, Func<JsonNode?> Make)> Values()
    {
        yield return ("null", () => null);
        yield return ("true", () => JsonValue.Create(true));
        yield return ("0", () => JsonValue.Create(0));
        yield return ("-1", () => JsonValue.Create(-1));
        yield return ("long.MaxValue", () => JsonValue.Create(long.MaxValue));
        yield return ("1e308", () => JsonValue.Create(1e308));
        yield return ("1.5", () => JsonValue.Create(1.5));
        yield return ("huge integer", () => JsonNode.Parse("123456789012345678901234567890"));
        yield return ("\"\"", () => JsonValue.Create(""));
        yield return ("\"x\"", () => JsonValue.Create("x"));
        yield return ("\"99999999999999999999\"", () => JsonValue.Create("99999999999999999999"));
        yield return ("\"\\ud800\"", () => JsonValue.Create(LoneSurrogate));
        yield return ("{}", () => new JsonObject());
        yield return ("[]", () => new JsonArray());
        yield return ("[null]", () => new JsonArray((JsonNode?)null));
        yield return ("[{}]", () => new JsonArray(new JsonObject()));
        yield return ("[\"x\"]", () => new JsonArray(JsonValue.Create("x")));
        yield return ("70 levels deep", () => JsonValue.Create(TooDeep));
    }

    private static (string What, JsonNode? Value) RandomValue(Random random, int depth)
    {
        switch (random.Next(depth < 3 ? 7 : 5))
        {
            case 0:
                return ("null", null);
            case 1:
                var number = random.Next(4) switch
                {
                    0 => random.Next(-1000, 1000),
                    1 => random.NextInt64(),
                    2 => -random.NextInt64(),
                    _ => random.NextDouble() * Math.Pow(10, random.Next(-5, 300)),
                };
                return (number.ToString(System.Globalization.CultureInfo.InvariantCulture), JsonValue.Create(number));
            case 2:
                var text = Strings[random.Next(Strings.Length)];
                return ($"\"{(text.Length > 20 ? text[..20] + "…" : text)}\"", JsonValue.Create(text));
            case 3:
                var chars = new char[random.Next(0, 30)];
                for (var i = 0; i < chars.Length; i++) chars[i] = (char)random.Next(0x20, 0xD7FF);
                return ("random text", JsonValue.Create(new string(chars)));
            case 4:
                return (random.Next(2) == 0 ? "true" : "false", JsonValue.Create(random.Next(2) == 0));
            case 5:
                var obj = new JsonObject();
                var whats = new List<string>();
                for (var i = random.Next(0, 4); i > 0; i--)
                {
                    var (what, value) = RandomValue(random, depth + 1);
                    obj["k" + i] = value;
                    whats.Add($"k{i}: {what}");
                }

                return ("{" + string.Join(", ", whats) + "}", obj);
            default:
                var array = new JsonArray();
                var items = new List<string>();
                for (var i = random.Next(0, 4); i > 0; i--)
                {
                    var (what, value) = RandomValue(random, depth + 1);
                    array.Add(value);
                    items.Add(what);
                }

                return ("[" + string.Join(", ", items) + "]", array);
        }
    }

    private static string Apply(string json, string path, Action<JsonNode, string?, int> change)
    {
        var root = JsonNode.Parse(json)!;
        var (parent, key, index) = Locate(root, path);
        change(parent, key, index);
        return Serialize(root);
    }

    private static string Serialize(JsonNode root) => root.ToJsonString()
        .Replace($"\"{LoneSurrogate}\"", "\"\\ud800\"", StringComparison.Ordinal)
        .Replace($"\"{TooDeep}\"", string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70), StringComparison.Ordinal);

    /// <summary>The parent of the node at <paramref name="path"/> and its key (object) or index (array).</summary>
    private static (JsonNode Parent, string? Key, int Index) Locate(JsonNode root, string path)
    {
        var steps = System.Text.RegularExpressions.Regex.Matches(path, @"\.([^.\[]+)|\[(\d+)\]")
            .Select(m => m.Groups[1].Success ? (Key: m.Groups[1].Value, Index: -1) : (Key: (string?)null, Index: int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)))
            .ToList();
        var node = root;
        for (var i = 0; i < steps.Count - 1; i++)
            node = steps[i].Key is { } key ? node[key]! : node[steps[i].Index]!;
        return (node, steps[^1].Key, steps[^1].Index);
    }

    private static JsonNode? Get(JsonNode parent, string? key, int index) => key is not null ? parent[key] : parent[index];

    private static void Set(JsonNode parent, string? key, int index, JsonNode? value)
    {
        if (key is not null) parent[key] = value;
        else parent[index] = value;
    }

    private static void Remove(JsonNode parent, string? key, int index)
    {
        if (key is not null) parent.AsObject().Remove(key);
        else parent.AsArray().RemoveAt(index);
    }
}
