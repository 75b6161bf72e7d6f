namespace LeadTracker.Worker.Storage;

/// <summary>
/// An event for a business number this LeadTracker does not serve, when workspaces are not created on first
/// sight (<c>LeadTracker:Worker:CreateWorkspaces=false</c>). It goes to the error queue for an operator to decide.
/// </summary>
internal sealed class UnknownWorkspaceException : Exception
{
    public UnknownWorkspaceException(string phoneNumberId)
        : base($"phone_number_id {phoneNumberId} is not a known workspace and CreateWorkspaces is off")
    {
    }

    public UnknownWorkspaceException()
    {
    }

    public UnknownWorkspaceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
