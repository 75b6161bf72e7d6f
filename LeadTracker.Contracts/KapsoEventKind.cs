namespace LeadTracker.Contracts;

/// <summary>What a Kapso event is, as far as LeadTracker cares: which parser reads it, and what it may change.</summary>
public enum KapsoEventKind
{
    /// <summary>Signed and valid, but nothing LeadTracker uses (<see cref="KapsoEventTypes.Ignored"/>).</summary>
    Ignored,

    /// <summary>A message event: one WhatsApp message in or out, with its status.</summary>
    Message,

    /// <summary>A conversation life-cycle event: changes no lead.</summary>
    Conversation,

    /// <summary>The contact's business-scoped user id changed; carries the previous one.</summary>
    IdentityChange,

    /// <summary>Marketing opt-out or opt-in, with a growing sequence.</summary>
    MarketingPreference,

    /// <summary>A legacy <c>contact.updated</c> body: a contact's profile.</summary>
    ProfileUpdate,

    /// <summary>Meta's own envelope forwarded by Kapso: the events are inside it.</summary>
    MetaForward,

    /// <summary>
    /// A message whose signed body says neither its direction nor its status: it cannot be applied (the worker rejects
    /// it to the error queue with that reason), since an unsigned header must not decide what it is.
    /// </summary>
    UnclassifiedMessage,
}
