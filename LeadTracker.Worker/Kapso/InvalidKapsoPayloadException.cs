namespace LeadTracker.Worker.Kapso;

/// <summary>
/// A signed event the worker can never apply, whatever it retries: it goes straight to the <c>_error</c> queue,
/// and <see cref="Exception.Message"/> is the reason an operator reads there.
/// </summary>
internal sealed class InvalidKapsoPayloadException : Exception
{
    public InvalidKapsoPayloadException(string message)
        : base(message)
    {
    }

    public InvalidKapsoPayloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public InvalidKapsoPayloadException()
    {
    }
}
