namespace LeadTracker.Testing;

/// <summary>
/// What SQLite must hold once every generated webhook is applied, whatever the order: the completion check of a run.
/// Each status event targets its own sent message and each marketing event carries a new, higher sequence, so the
/// counts are exact under any delivery order.
/// </summary>
public sealed class Expectation
{
    private readonly Dictionary<int, long> _marketingSequenceByPhone = [];

    public int Requests { get; private set; }

    public int Events { get; private set; }

    /// <summary>Distinct message ids (rows in <c>messages</c>).</summary>
    public int Messages { get; private set; }

    /// <summary>Messages whose status must end as delivered or read.</summary>
    public int StatusAdvanced { get; private set; }

    public int MarketingEvents { get; private set; }

    /// <summary>Sum over contacts of the highest marketing sequence each received.</summary>
    public long MarketingSequenceSum => _marketingSequenceByPhone.Values.Sum();

    public int MarketingContacts => _marketingSequenceByPhone.Count;

    /// <summary>A copy of the expectation as it stands now (the later webhooks of the same generator not included).</summary>
    public Expectation Snapshot()
    {
        var copy = new Expectation
        {
            Requests = Requests,
            Events = Events,
            Messages = Messages,
            StatusAdvanced = StatusAdvanced,
            MarketingEvents = MarketingEvents,
        };
        foreach (var (phone, sequence) in _marketingSequenceByPhone)
        {
            copy._marketingSequenceByPhone[phone] = sequence;
        }

        return copy;
    }

    public void AddRequest() => Requests++;

    public void AddMessage()
    {
        Events++;
        Messages++;
    }

    public void AddStatus()
    {
        Events++;
        StatusAdvanced++;
    }

    public void AddMarketing(int phone, long sequence)
    {
        Events++;
        MarketingEvents++;
        _marketingSequenceByPhone[phone] = Math.Max(sequence, _marketingSequenceByPhone.GetValueOrDefault(phone));
    }
}
