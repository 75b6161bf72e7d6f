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
/// into random transactions. The rows must be the same (<see cref="LeadRows.Snapshot"/>), and they must say what
/// <see cref="ReferenceLeadModel"/> computes from the generator's own facts: each message's status and time, and
/// for each generated person (not for what the production code thinks is one person) exactly one contact with
/// its three lead times, profile name and marketing status. Besides: one contact per identity, and times that
/// never move backwards as more events arrive. A failure is shrunk to the fewest events.
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
        CheckAgainstTheModel(db, world);
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

    /// <summary>
    /// The store against <see cref="ReferenceLeadModel"/>, message by message and person by person: each generated
    /// person is found by the identities and messages the generator gave them, must be exactly one contact, and
    /// that contact must carry the model's times, name and marketing status.
    /// </summary>
    private static void CheckAgainstTheModel(SqliteConnection db, World world)
    {
        var happenings = world.Leads();
        var messages = ReferenceLeadModel.Messages(happenings);
        var problems = new List<string>();

        var rows = db.Query<(string Wamid, string Status, long OccurredAt, long ContactId)>(
            "SELECT wamid, status, occurred_at, contact_id FROM messages").ToDictionary(r => r.Wamid);
        foreach (var (wamid, expected) in messages)
        {
            if (!rows.TryGetValue(wamid, out var row)) problems.Add($"{wamid}: no row");
            else if (row.Status != expected.Status || row.OccurredAt != expected.OccurredAtMs)
                problems.Add($"{wamid}: {row.Status} @{row.OccurredAt}, the model says {expected.Status} @{expected.OccurredAtMs}");
        }

        var contactsOfPeople = new Dictionary<long, string>();
        foreach (var (person, expected) in ReferenceLeadModel.People(happenings))
        {
            var identities = world.IdentitiesSeen(happenings.Where(h => h.Lead == person).Select(h => h.Event)).ToList();
            var ownWamids = messages.Where(m => m.Value.Lead == person).Select(m => m.Key).ToList();
            var contactIds = db.Query<long>("""
                SELECT contact_id FROM contact_identities WHERE identity IN @identities
                UNION SELECT contact_id FROM messages WHERE wamid IN @ownWamids
                """, new { identities, ownWamids }).ToList();
            if (contactIds.Count != 1)
            {
                problems.Add($"person {person}: {contactIds.Count} contacts ({string.Join(", ", contactIds)}), the model says one");
                continue;
            }

            if (contactsOfPeople.TryGetValue(contactIds[0], out var other))
                problems.Add($"persons {other} and {person} share contact {contactIds[0]}");
            contactsOfPeople[contactIds[0]] = person;

            var actual = db.QuerySingle<(long? Inbound, long? Contact, long? Activity, string? Name, string? Marketing)>("""
                SELECT last_inbound_at, last_contact_at, last_activity_at, profile_name, marketing_status
                FROM contacts WHERE id = @id
                """, new { id = contactIds[0] });
            var found = new ReferenceLeadModel.PersonState(actual.Inbound, actual.Contact, actual.Activity, actual.Name,
                actual.Marketing);
            if (found != expected) problems.Add($"person {person}: the store says {found}\n  the model says {expected}");
        }

        if (db.ExecuteScalar<long>("SELECT COUNT(*) FROM contacts") != contactsOfPeople.Count)
            problems.Add($"{db.ExecuteScalar<long>("SELECT COUNT(*) FROM contacts")} contacts for {contactsOfPeople.Count} people");

        if (problems.Count > 0)
            throw new AssertionException("the store disagrees with the reference model\n" + string.Join("\n", problems) + "\n" + world);
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
        // Every identity the events carried is mapped (a phone under each of its national forms), and nothing else
        // is; that a lead's identities all map to its one contact is CheckAgainstTheModel's.
        var mapped = db.Query<string>("SELECT identity FROM contact_identities").ToHashSet();
        problems.AddRange(world.IdentitiesSeen().Where(i => !mapped.Contains(i)).Select(i => $"identity {i} is not mapped"));
        problems.AddRange(mapped.Where(i => world.PersonOf(i) is null).Select(i => $"identity {i} belongs to nobody the generator made"));

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
        var exemptPeople = retracted.Concat(corrected).ToHashSet()
            .SelectMany(wamid => world.Happenings.Where(h => h.Event.Message?.Wamid == wamid).Select(h => h.Person))
            .ToHashSet();

        var problems = new List<string>();
        foreach (var (identity, was) in before)
        {
            if (world.PersonOf(identity) is not { } person || exemptPeople.Contains(person)) continue;
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

    private static LeadStore Store(TempDatabase db) =>
        new(new SqliteConnectionFactory(db.ConnectionString, SqliteDurability.Normal), NullLogger<LeadStore>.Instance);

    private static string Snapshot(TempDatabase db)
    {
        using var connection = db.Connections.Open();
        return LeadRows.Snapshot(connection);
    }

    // ---- the worlds -------------------------------------------------------------------------------------------

    /// <summary>
    /// A lead: maybe a phone, in the international forms it is written in (the stored, canonical one first: written
    /// out here, not computed by <see cref="NationalPhoneVariants"/>), and the business-scoped ids they had, oldest first.
    /// </summary>
    internal sealed record Person(int Number, string[]? PhoneForms, string[] Bsuids)
    {
        public IEnumerable<string> Identities() =>
            (PhoneForms ?? []).Select(p => "phone:" + p).Concat(Bsuids.Select(b => "bsuid:" + b));
    }

    /// <summary>One generated event and the person the generator made it about.</summary>
    internal sealed record Happening(int Person, LeadEvent Event);

    /// <summary>Events in the order they happened, whom each is about, and the seed that shuffles, repeats and groups them.</summary>
    internal sealed record World(IReadOnlyList<Happening> Happenings, IReadOnlyList<Person> People, int Seed)
    {
        public IReadOnlyList<LeadEvent> Events => [.. Happenings.Select(h => h.Event)];

        /// <summary>The generator's person an identity string belongs to; null when it made no such identity.</summary>
        public int? PersonOf(string identity) =>
            People.FirstOrDefault(p => p.Identities().Contains(identity))?.Number;

        /// <summary>The identities events carried: a phone under each of its forms, every business-scoped id.</summary>
        public IEnumerable<string> IdentitiesSeen(IEnumerable<LeadEvent>? events = null) => (events ?? Events).SelectMany(e =>
        {
            var contact = e.Contact!;
            var phones = contact.PhoneE164 is null ? [] : People.Single(p => p.PhoneForms?.Contains(contact.PhoneE164) == true)
                .PhoneForms!.Select(p => "phone:" + p);
            return phones.Concat(new[] { contact.Bsuid, contact.PreviousBsuid }.OfType<string>().Select(b => "bsuid:" + b));
        }).Distinct();

        /// <summary>
        /// Each event with the lead it is about: a generated person's events, split where nothing in them says they
        /// are one person (two business-scoped ids that no event links, no phone). Linked are events of one person
        /// that share their phone (any form), a business-scoped id (current or previous) or a message.
        /// </summary>
        public List<(string Lead, LeadEvent Event)> Leads()
        {
            var parent = new Dictionary<string, string>(StringComparer.Ordinal);
            string Find(string x)
            {
                parent.TryAdd(x, x);
                while (parent[x] != x) x = parent[x];
                return x;
            }

            List<string> Tokens(int i)
            {
                var h = Happenings[i];
                var contact = h.Event.Contact!;
                var tokens = new List<string> { $"event:{i}" };
                if (contact.PhoneE164 is not null) tokens.Add($"phone:{h.Person}");
                tokens.AddRange(new[] { contact.Bsuid, contact.PreviousBsuid }.OfType<string>().Select(b => "bsuid:" + b));
                if (h.Event.Message is { } m) tokens.Add("wamid:" + m.Wamid);
                return tokens;
            }

            for (var i = 0; i < Happenings.Count; i++)
            {
                var tokens = Tokens(i);
                foreach (var token in tokens) parent[Find(token)] = Find(tokens[0]);
            }

            return [.. Happenings.Select((h, i) => ($"p{h.Person}/{Find($"event:{i}")}", h.Event))];
        }

        public override string ToString() =>
            $"{Happenings.Count} events (seed {Seed}):\n  " + string.Join("\n  ", Happenings.Select(h => $"p{h.Person} {Describe(h.Event)}"));
    }

    private static Arbitrary<World> Worlds(bool disagreeingTimes)
    {
        var gen =
            from people in Gen.Choose(1, 3)
            from seed in Gen.Choose(0, int.MaxValue)
            from shuffle in Gen.Choose(0, int.MaxValue)
            select Build(people, new Random(seed), disagreeingTimes, shuffle);

        // Shrinking: drop one event at a time, keeping the shuffle seed.
        return Arb.From(gen, world => Enumerable.Range(0, world.Happenings.Count)
            .Select(i => world with { Happenings = world.Happenings.Where((_, j) => j != i).ToList() }));
    }

    private static World Build(int peopleCount, Random random, bool disagreeingTimes, int shuffle)
    {
        var people = Enumerable.Range(1, peopleCount).Select(n => new Person(
            n,
            random.Next(4) == 0 ? null : PhoneForms(n, random.Next(5)),
            Enumerable.Range(1, random.Next(1, 4)).Select(k => $"US.{n}.{k}").ToArray())).ToList();
        var events = new List<Happening>();
        long Time() => T0 + random.Next(0, 12) * 60_000L;
        T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];
        string? Maybe(params string[] values) => random.Next(3) == 0 ? null : Pick(values);

        // As the parser gives it: one of the international forms of the number.
        string? Phone(Person person) => person.PhoneForms is null ? null : Pick(person.PhoneForms);

        ContactFact Contact(Person person, long at, bool profile)
        {
            // A random non-empty part of who they are: the phone, one of their business-scoped ids, or both.
            var phone = random.Next(3) != 0 ? Phone(person) : null;
            var bsuid = phone is null || random.Next(2) == 0 ? Pick(person.Bsuids) : null;
            return new ContactFact
            {
                PhoneE164 = phone,
                // The parser's wa_id: the digits of the canonical form, whichever form arrived.
                WaId = phone is null ? null : person.PhoneForms![0][1..],
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
                // The parser's rule (docs/kapso.md): any status but failed shows our message went out.
                IsOutreach = direction == Direction.Outbound && status.Name is "sent" or "delivered" or "read" or "played",
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
                        events.Add(new Happening(person.Number, Message(person, wamid, Direction.Inbound, MessageStatus.Received, disagreeingTimes && copies > 1 ? Time() : at, null)));
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
                        events.Add(new Happening(person.Number, Message(person, wamid, Direction.Outbound, status, time,
                            status == MessageStatus.Failed ? "131047 Re-engagement message: outside the window" : null)));
                    }

                    break;
                }

                case 8:
                {
                    // whatsapp.contact.identity_changed: the current id, the previous one, maybe the phone.
                    var k = random.Next(person.Bsuids.Length);
                    events.Add(new Happening(person.Number, new LeadEvent
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
                    }));
                    break;
                }

                default:
                {
                    // Marketing preference: sequences are unique per lead and grow with time.
                    var sequence = random.Next(1, 6) + (10 * i);
                    events.Add(new Happening(person.Number, new LeadEvent
                    {
                        EventType = "whatsapp.contact.marketing_preference_changed",
                        PhoneNumberId = Workspace,
                        ReceivedAtMs = at,
                        Contact = Contact(person, at, profile: false),
                        Marketing = new MarketingFact(random.Next(2) == 0 ? "stopped" : "resumed", sequence),
                    }));
                    break;
                }
            }
        }

        return new World(events, people, shuffle);
    }

    /// <summary>
    /// The international forms one number arrives in, the canonical (stored) one first: the national variants
    /// <see cref="NationalPhoneVariants"/> folds, written out by hand.
    /// </summary>
    private static string[] PhoneForms(int n, int country) => country switch
    {
        // Mexico: stored without the old mobile 1.
        1 => [$"+52551234{n:D4}", $"+521551234{n:D4}"],
        // Argentina: stored with the mobile 9.
        2 => [$"+54911234{n:D5}", $"+5411234{n:D5}"],
        // Brazil: stored with the ninth digit.
        3 => [$"+55119987{n:D5}", $"+5511987{n:D5}"],
        // Thirteen digits libphonenumber calls impossible: a real WhatsApp id all the same.
        4 => [$"+11111111{n:D5}"],
        _ => [$"+1555010{n:D4}"],
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
