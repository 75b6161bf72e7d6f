using System.Globalization;
using System.Text;

namespace LeadTracker.Worker.Errors;

/// <summary>
/// Where the error queues live: the AMQP endpoint (replay) and the management HTTP API (list, peek).
/// Built by the host from <c>LeadTracker:RabbitMq</c>.
/// </summary>
internal sealed record ErrorQueueConnection(
    string Host,
    int Port,
    string VirtualHost,
    string Username,
    string Password,
    int ManagementPort)
{
    /// <summary>The management API root, e.g. <c>http://localhost:15672/</c>.</summary>
    public Uri ManagementUri => new UriBuilder(Uri.UriSchemeHttp, Host, ManagementPort, "/").Uri;

    // Records print every property; keep the password out of logs and error messages.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"Host = {Host}, Port = {Port}, VirtualHost = {VirtualHost}, Username = {Username}, ");
        builder.Append(CultureInfo.InvariantCulture, $"Password = ***, ManagementPort = {ManagementPort}");
        return true;
    }
}
