namespace LeadTracker.Worker.Errors;

/// <summary>One message peeked in an <c>_error</c> queue: what it was and why MassTransit put it there.</summary>
/// <param name="MessageId">The AMQP message id (MassTransit's message id), or the envelope's <c>messageId</c>.</param>
/// <param name="EventType">The Kapso event type (<c>message.eventType</c> in the envelope), when the body could be read.</param>
/// <param name="Reason"><c>MT-Reason</c>: <c>fault</c> for a consumer exception.</param>
/// <param name="ExceptionType"><c>MT-Fault-ExceptionType</c>.</param>
/// <param name="ExceptionMessage"><c>MT-Fault-Message</c>.</param>
/// <param name="FaultedAt"><c>MT-Fault-Timestamp</c>.</param>
public sealed record ErrorMessageInfo(
    string? MessageId,
    string? EventType,
    string? Reason,
    string? ExceptionType,
    string? ExceptionMessage,
    DateTimeOffset? FaultedAt);
