namespace LeadTracker.Worker.Errors;

/// <summary>One message peeked in an <c>_error</c> queue: what it was and why MassTransit put it there.</summary>
/// <param name="MessageId">The AMQP message id (MassTransit's message id).</param>
/// <param name="EventType">The <c>LeadTracker-Event-Type</c> header (or, for older messages, the envelope's event type).</param>
/// <param name="IdempotencyKey">The <c>LeadTracker-Idempotency-Key</c> header, when the webhook had one.</param>
/// <param name="Reason"><c>MT-Reason</c>: <c>fault</c> for a consumer exception.</param>
/// <param name="ExceptionType"><c>MT-Fault-ExceptionType</c>.</param>
/// <param name="ExceptionMessage"><c>MT-Fault-Message</c>.</param>
/// <param name="FaultedAt"><c>MT-Fault-Timestamp</c>.</param>
internal sealed record ErrorMessageInfo(
    string? MessageId,
    string? EventType,
    string? IdempotencyKey,
    string? Reason,
    string? ExceptionType,
    string? ExceptionMessage,
    DateTimeOffset? FaultedAt);
