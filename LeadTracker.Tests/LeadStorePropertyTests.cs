using Dapper;
using FsCheck;
using FsCheck.Fluent;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Domain;
using LeadTracker.Worker.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace LeadTracker.Tests;

/// <summary>
/// The store under at-least-once, out-of-order, batched delivery. FsCheck makes small worlds (a few leads with a
/// phone and/or business-scoped ids that change, messages both ways with their statuses, identity and marketing
/// events, times that often tie) and applies their events once in order, and again shuffled, repeated and grouped
/// into random transactions. The rows must be the same (<see cref="LeadRows.Snapshot"/>), and the database must
/// keep its semantics: one row per message, one contact per identity, a lead's times derived from its messages,
/// and times that never move backwards as more events arrive. A failure is shrunk to the fewest events.
/// </summary>
[TestFixture]
public sealed class LeadStorePropertyTests
{
    private const string Workspace = "110000000000001";
    private const long T0 = 1_768_400_000_000;

    [Test]
    public void Any_order_grouping_and_repetition_of_the_same_events_gives_the_same_rows_and_keeps_the_semantics() =>
        Prop.ForAll(Worlds(disagreeingTimes: false), CheckWorld).Check(Config.QuickThrowOnFailure.WithMaxTest(100));

    [Test]
    public void The_same_holds_when_events_of_one_message_disagree_about_its_time()
    {
        // Hostile timing: a status without its 'sent' entry carries its own (later) time, Meta's sent status may
        // precede Kapso's message.timestamp, an event without message.timestamp falls back to the time it was
        // received: one wamid may arrive with several times.
        Prop.ForAll(Worlds(disagreeingTimes: true), CheckWorld).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }

    // ---- the property -------------------------------------------------------------------------------------------

    private static void CheckWorld(World world)
    {
        using var canonical = new TempDatabase();
        using var shuffled = new TempDatabase();

        var inOrder = Store(canonical);
        foreach (var e in world.Events) inOrder.ApplyAsync([e], CancellationToken.None).GetAwaiter().GetResult();

        // The same events shuffled, some repeated, in random transactions: a prefix first, then the rest.
        var random = new Random(world.Seed);
        var delivery = world.Events.SelectMany(e => Enumerable.Repeat(e, random.Next(4) == 0 ? 2 : 1))
            .OrderBy(_ => random.Next()).ToList();
        var prefixLength = random.Next(delivery.Count + 1);
        var store = Store(shuffled);
        ApplyInBatches(store, delivery.Take(prefixLength).ToList(), random);
        var before = Times(shuffled);
        ApplyInBatches(store, delivery.Skip(prefixLength).ToList(), random);

        var expected = Snapshot(canonical);
        var actual = Snapshot(shuffled);
        if (actual != expected)
        {
            throw new AssertionException(
                $"order changed the rows\n{world}\ndelivered as: {string.Join(", ", delivery.Select(Describe))}\n" +
                $"in order:\n{expected}\nshuffled:\n{actual}");
        }

        using var db = shuffled.Connections.Open();
        CheckSemantics(db, world);
        CheckNothingMovedBackwards(before, Times(shuffled), delivery.Take(prefixLength).ToList(), delivery.Skip(prefixLength).ToList(), world);
    }

    private static void ApplyInBatches(LeadStore store, List<LeadEvent> events, Random random)
    {
        for (var at = 0; at < events.Count;)
        {
            var size = Math.Min(random.Next(1, 5), events.Count - at);
            store.ApplyAsync(events.GetRange(at, size), CancellationToken.None).GetAwaiter().GetResult();
            at += size;
        }
    }

    private static void CheckSemantics(SqliteConnection db, World world)
    {
        var wamids = world.Events.Where(e => e.Message is not null).Select(e => e.Message!.Wamid).Distinct().Count();
        var problems = new List<string>();

        if (db.ExecuteScalar<long>("SELECT COUNT(*) FROM messages") != wamids)
            problems.Add($"messages: {db.ExecuteScalar<long>("SELECT COUNT(*) FROM messages")} rows for {wamids} wamids");

        // One contact per identity: each identity maps to one contact (the primary key), a contact's own phone and
        // business-scoped id map to it, no two contacts share either, and every identity seen is mapped.
        problems.AddRange(db.Query<string>("""
            SELECT 'contact ' || c.id || ' has ' || c.phone_e164 || ' but the identity maps elsewhere' FROM contacts c
            WHERE c.phone_e164 IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contact_identities i
                WHERE i.identity = 'phone:' || c.phone_e164 AND i.contact_id = c.id)
            UNION ALL
            SELECT 'contact ' || c.id || ' has ' || c.bsuid || ' but the identity maps elsewhere' FROM contacts c
            WHERE c.bsuid IS NOT NULL AND NOT EXISTS (SELECT 1 FROM contact_identities i
                WHERE i.identity = 'bsuid:' || c.bsuid AND i.contact_id = c.id)
            UNION ALL
            SELECT 'two contacts share phone ' || phone_e164 FROM contacts WHERE phone_e164 IS NOT NULL
            GROUP BY workspace_id, phone_e164 HAVING COUNT(*) > 1
            UNION ALL
            SELECT 'two contacts share bsuid ' || bsuid FROM contacts WHERE bsuid IS NOT NULL
            GROUP BY workspace_id, bsuid HAVING COUNT(*) > 1
            UNION ALL
            SELECT 'contact ' || id || ' has no identity' FROM contacts c
            WHERE NOT EXISTS (SELECT 1 FROM contact_identities i WHERE i.contact_id = c.id)
            UNION ALL
            SELECT 'identity ' || identity || ' maps to a missing contact' FROM contact_identities i
            WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.id = i.contact_id)
            """));
        var mapped = db.Query<string>("SELECT identity FROM contact_identities").ToHashSet();
        problems.AddRange(world.Events.SelectMany(e => e.Contact!.Identities()).Distinct()
            .Where(identity => !mapped.Contains(identity)).Select(identity => $"identity {identity} is not mapped"));

        // Events that share an identity or a message are about one person: one contact (docs/architecture.md).
        var people = PeopleOf(world.Events);
        var contactsOfPeople = db.Query<(string Identity, long ContactId)>("SELECT identity, contact_id FROM contact_identities")
            .GroupBy(r => people[r.Identity]).Where(g => g.Select(r => r.ContactId).Distinct().Count() > 1)
            .Select(g => $"one person, several contacts: {string.Join(", ", g.Select(r => $"{r.Identity}→{r.ContactId}"))}");
        problems.AddRange(contactsOfPeople);

        // A lead's times are derived from its messages: inbound, and outreach that did not fail.
        problems.AddRange(db.Query<string>("""
            SELECT 'contact ' || c.id || ' (' || COALESCE(c.phone_e164, c.bsuid) || ') times '
                   || COALESCE(c.last_inbound_at, '-') || '/' || COALESCE(c.last_contact_at, '-') || '/' || COALESCE(c.last_activity_at, '-')
                   || ' but its messages say '
                   || COALESCE(m.inbound, '-') || '/' || COALESCE(m.outreach, '-') || '/' || COALESCE(MAX(COALESCE(m.inbound, 0), COALESCE(m.outreach, 0)), '-')
            FROM contacts c
            LEFT JOIN (SELECT contact_id,
                              MAX(CASE WHEN direction = 'inbound' THEN occurred_at END) AS inbound,
                              MAX(CASE WHEN outreach = 1 AND status <> 'failed' THEN occurred_at END) AS outreach
                       FROM messages GROUP BY contact_id) m ON m.contact_id = c.id
            WHERE c.last_inbound_at IS NOT m.inbound OR c.last_contact_at IS NOT m.outreach
               OR c.last_activity_at IS NOT (CASE WHEN m.inbound IS NULL AND m.outreach IS NULL THEN NULL
                                                  ELSE MAX(COALESCE(m.inbound, 0), COALESCE(m.outreach, 0)) END)
            """));

        if (problems.Count > 0) throw new AssertionException(string.Join("\n", problems) + "\n" + world + "\n" + LeadRows.Snapshot(db));
    }

    /// <summary>
    /// Per identity, each time column after all events is at least what it was after a prefix of them. Two designed
    /// exceptions, for the leads they touch: a <c>failed</c> status takes a message that counted as outreach back out
    /// (docs/architecture.md: a failed send is not outreach), and an event that gives a message an earlier time than the
    /// events seen so far corrects it (a message's time is the earliest any of its events carries). Neither happens
    /// when the events of a message agree on its time and nothing fails.
    /// </summary>
    private static void CheckNothingMovedBackwards(Dictionary<string, (long? Inbound, long? Contact, long? Activity)> before,
        Dictionary<string, (long? Inbound, long? Contact, long? Activity)> after, IReadOnlyList<LeadEvent> prefix,
        IReadOnlyList<LeadEvent> rest, World world)
    {
        var earliestSoFar = prefix.Where(e => e.Message is not null).GroupBy(e => e.Message!.Wamid)
            .ToDictionary(g => g.Key, g => g.Min(e => e.Message!.OccurredAtMs));
        var retracted = rest.Where(e => e.Message?.Status == MessageStatus.Failed).Select(e => e.Message!.Wamid);
        var corrected = rest.Where(e => e.Message is { } m && earliestSoFar.TryGetValue(m.Wamid, out var earliest)
            && m.OccurredAtMs < earliest).Select(e => e.Message!.Wamid);
        var people = PeopleOf(world.Events);
        var exemptPeople = retracted.Concat(corrected).ToHashSet()
            .SelectMany(wamid => world.Events.Where(e => e.Message?.Wamid == wamid).SelectMany(e => e.Contact!.Identities()))
            .Select(identity => people[identity]).ToHashSet();

        var problems = new List<string>();
        foreach (var (identity, was) in before)
        {
            if (exemptPeople.Contains(people[identity])) continue;
            var now = after[identity];
            if (Less(now.Inbound, was.Inbound)) problems.Add($"{identity}: last_inbound_at {was.Inbound} → {now.Inbound}");
            if (Less(now.Contact, was.Contact)) problems.Add($"{identity}: last_contact_at {was.Contact} → {now.Contact}");
            if (Less(now.Activity, was.Activity)) problems.Add($"{identity}: last_activity_at {was.Activity} → {now.Activity}");
        }

        if (problems.Count > 0)
        {
            throw new AssertionException("a time moved backwards\n" + string.Join("\n", problems) + "\n" + world +
                $"\nprefix: {string.Join(", ", prefix.Select(Describe))}");
        }

        static bool Less(long? now, long? was) => was is not null && (now is null || now < was);
    }

    private static Dictionary<string, (long? Inbound, long? Contact, long? Activity)> Times(TempDatabase database)
    {
        using var db = database.Connections.Open();
        return db.Query<(string Identity, long? Inbound, long? Contact, long? Activity)>("""
                SELECT i.identity, c.last_inbound_at, c.last_contact_at, c.last_activity_at
                FROM contact_identities i JOIN contacts c ON c.id = i.contact_id
                """)
            .ToDictionary(r => r.Identity, r => (r.Inbound, r.Contact, r.Activity));
    }

    /// <summary>Identity → the person it belongs to: identities on one event, or on events of one message, are one person.</summary>
    private static Dictionary<string, string> PeopleOf(IReadOnlyList<LeadEvent> events)
    {
        var parent = new Dictionary<string, string>();
        string Find(string x)
        {
            parent.TryAdd(x, x);
            while (parent[x] != x) x = parent[x] = parent[parent[x]];
            return x;
        }

        void Union(string a, string b) => parent[Find(a)] = Find(b);

        foreach (var e in events)
        {
            var identities = e.Contact!.Identities().ToList();
            foreach (var identity in identities) Union(identity, identities[0]);
            if (e.Message is { } message) Union("wamid:" + message.Wamid, identities[0]);
        }

        return parent.Keys.Where(k => !k.StartsWith("wamid:", StringComparison.Ordinal)).ToDictionary(k => k, Find);
    }

    private static LeadStore Store(TempDatabase db) =>
        new(new SqliteConnectionFactory(db.ConnectionString, SqliteDurability.Normal), NullLogger<LeadStore>.Instance);

    private static string Snapshot(TempDatabase db)
    {
        using var connection = db.Connections.Open();
        return LeadRows.Snapshot(connection);
    }

    // ---- the worlds -------------------------------------------------------------------------------------------

    /// <summary>
    /// A lead: maybe a phone, in each of the forms it may be written in (national variants, punctuation), and the
    /// business-scoped ids they had, oldest first.
    /// </summary>
    private sealed record Person(int Number, string[]? PhoneForms, string[] Bsuids);

    /// <summary>Events in the order they happened, and the seed that shuffles, repeats and groups them.</summary>
    internal sealed record World(IReadOnlyList<LeadEvent> Events, int Seed)
    {
        public override string ToString() =>
            $"{Events.Count} events (seed {Seed}):\n  " + string.Join("\n  ", Events.Select(Describe));
    }

    private static Arbitrary<World> Worlds(bool disagreeingTimes)
    {
        var gen =
            from people in Gen.Choose(1, 3)
            from seed in Gen.Choose(0, int.MaxValue)
            from shuffle in Gen.Choose(0, int.MaxValue)
            select new World(Build(people, new Random(seed), disagreeingTimes), shuffle);

        // Shrinking: drop one event at a time, keeping the shuffle seed.
        return Arb.From(gen, world => Enumerable.Range(0, world.Events.Count)
            .Select(i => world with { Events = world.Events.Where((_, j) => j != i).ToList() }));
    }

    private static List<LeadEvent> Build(int peopleCount, Random random, bool disagreeingTimes)
    {
        var people = Enumerable.Range(1, peopleCount).Select(n => new Person(
            n,
            random.Next(4) == 0 ? null : PhoneForms(n, random.Next(5)),
            Enumerable.Range(1, random.Next(1, 4)).Select(k => $"US.{n}.{k}").ToArray())).ToList();
        var events = new List<LeadEvent>();
        long Time() => T0 + random.Next(0, 12) * 60_000L;
        T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
        string? Maybe(params string[] values) => random.Next(3) == 0 ? null : Pick(values);

        // As the parser reads it: one of the forms the number is written in, normalised.
        string? Phone(Person person) => person.PhoneForms is null ? null : LeadPhone.ToE164(Pick(person.PhoneForms));

        ContactFact Contact(Person person, long at, bool profile)
        {
            // A random non-empty part of who they are: the phone, one of their business-scoped ids, or both.
            var phone = random.Next(3) != 0 ? Phone(person) : null;
            var bsuid = phone is null || random.Next(2) == 0 ? Pick(person.Bsuids) : null;
            return new ContactFact
            {
                PhoneE164 = phone,
                // The parser's wa_id: the digits of the canonical form, whichever form arrived.
                WaId = phone is null ? null : NationalPhoneVariants.Canonical(phone)[1..],
                Bsuid = bsuid,
                Username = random.Next(4) == 0 ? Maybe("@a", "@b") : null,
                ProfileName = profile ? Maybe("Ana", "Bea", "Cy") : null,
                ObservedAtMs = at,
            };
        }

        LeadEvent Message(Person person, string wamid, Direction direction, MessageStatus status, long at, string? error) => new()
        {
            EventType = "whatsapp.message." + status.Name,
            PhoneNumberId = Workspace,
            ReceivedAtMs = at + random.Next(0, 100_000),
            Contact = Contact(person, at, profile: status == MessageStatus.Received || status == MessageStatus.Sent),
            Message = new MessageFact
            {
                Wamid = wamid,
                Direction = direction,
                Type = random.Next(3) == 0 ? null : "text",
                Body = random.Next(3) == 0 ? null : "hello " + wamid,
                Status = status,
                Error = error,
                OccurredAtMs = at,
                IsOutreach = direction == Direction.Outbound && status.ShowsItWasSent,
            },
        };

        var count = random.Next(3, 16);
        for (var i = 0; i < count; i++)
        {
            var person = Pick(people);
            var at = Time();
            switch (random.Next(10))
            {
                case < 4:
                {
                    var wamid = $"wamid.in.{person.Number}.{i}";
                    for (var copies = random.Next(1, 3); copies > 0; copies--)
                        events.Add(Message(person, wamid, Direction.Inbound, MessageStatus.Received, disagreeingTimes && copies > 1 ? Time() : at, null));
                    break;
                }

                case < 8:
                {
                    // Our message: sent, then some of delivered/read/failed, each event a separate webhook.
                    var wamid = $"wamid.out.{person.Number}.{i}";
                    var statuses = new List<MessageStatus>();
                    if (random.Next(5) != 0) statuses.Add(MessageStatus.Sent);
                    if (random.Next(2) == 0) statuses.Add(MessageStatus.Delivered);
                    if (random.Next(3) == 0) statuses.Add(MessageStatus.Read);
                    if (random.Next(5) == 0) statuses.Add(MessageStatus.Failed);
                    if (statuses.Count == 0) statuses.Add(MessageStatus.Delivered);
                    foreach (var status in statuses)
                    {
                        // The parser gives a status event the message's 'sent' time when its statuses[] carry it;
                        // without it, the status's own (later) time; and Meta's 'sent' status may be a little
                        // earlier than the message.timestamp of Kapso's sent event (a Business App send).
                        var time = !disagreeingTimes || status == MessageStatus.Sent || random.Next(2) == 0 ? at
                            : random.Next(3) == 0 ? at - 60_000L : at + random.Next(1, 5) * 60_000L;
                        events.Add(Message(person, wamid, Direction.Outbound, status, time,
                            status == MessageStatus.Failed ? "131047 Re-engagement message: outside the window" : null));
                    }

                    break;
                }

                case 8:
                {
                    // whatsapp.contact.identity_changed: the current id, the previous one, maybe the phone.
                    var k = random.Next(person.Bsuids.Length);
                    events.Add(new LeadEvent
                    {
                        EventType = "whatsapp.contact.identity_changed",
                        PhoneNumberId = Workspace,
                        ReceivedAtMs = at,
                        Contact = new ContactFact
                        {
                            PhoneE164 = random.Next(2) == 0 ? Phone(person) : null,
                            WaId = null,
                            Bsuid = person.Bsuids[k],
                            PreviousBsuid = k > 0 ? person.Bsuids[k - 1] : null,
                            Username = Maybe("@a", "@b"),
                            ProfileName = Maybe("Ana", "Bea", "Cy"),
                            ObservedAtMs = T0 + k * 3_600_000L + random.Next(0, 3) * 60_000L,
                        },
                    });
                    break;
                }

                default:
                {
                    // Marketing preference: sequences are unique per lead and grow with time.
                    var sequence = random.Next(1, 6) + (10 * i);
                    events.Add(new LeadEvent
                    {
                        EventType = "whatsapp.contact.marketing_preference_changed",
                        PhoneNumberId = Workspace,
                        ReceivedAtMs = at,
                        Contact = Contact(person, at, profile: false),
                        Marketing = new MarketingFact(random.Next(2) == 0 ? "stopped" : "resumed", sequence),
                    });
                    break;
                }
            }
        }

        return events;
    }

    /// <summary>The ways one number is written: plain, as a WhatsApp id, with punctuation, and in national variants.</summary>
    private static string[] PhoneForms(int n, int country) => country switch
    {
        // Mexico: with and without the old mobile 1.
        1 => [$"+521551234{n:D4}", $"52551234{n:D4}", $"+52 1 55 1234 {n:D4}"],
        // Argentina: with and without the mobile 9.
        2 => [$"+54911234{n:D5}", $"5411234{n:D5}", $"+54 9 11 234-{n:D5}"],
        // Brazil: with and without the ninth digit.
        3 => [$"+55119987{n:D5}", $"5511987{n:D5}", $"+55 11 9 987 {n:D5}"],
        // Thirteen digits libphonenumber calls impossible: a real WhatsApp id all the same.
        4 => [$"11111111{n:D5}", $"+1 1111111 {n:D5}"],
        _ => [$"+1555010{n:D4}", $"1555010{n:D4}", $"+1 555-010-{n:D4}"],
    };

    private static string Describe(LeadEvent e)
    {
        var who = string.Join("+", e.Contact!.Identities());
        return e.Message is { } m
            ? $"{m.Status.Name}({m.Wamid} @{(m.OccurredAtMs - T0) / 60_000}m, {who}{(e.Contact.ProfileName is { } n ? ", " + n : "")})"
            : e.Marketing is { } mk
                ? $"marketing({mk.Status} #{mk.Sequence}, {who})"
                : $"identity({who} @{(e.Contact.ObservedAtMs - T0) / 60_000}m{(e.Contact.ProfileName is { } p ? ", " + p : "")})";
    }
}
