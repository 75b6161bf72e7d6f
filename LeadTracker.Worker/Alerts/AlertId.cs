using System.Security.Cryptography;
using System.Text;

namespace LeadTracker.Worker.Alerts;

/// <summary>
/// An alert's id, the <c>webhook-id</c> receivers dedupe by: derived from the workspace, the kind and the lead's
/// latest inbound message (the one that started this wait), never random, so the same crossing found again after a
/// rescan or a restart has the same id and <c>INSERT OR IGNORE</c> keeps the first. The message stands for the lead:
/// a wamid belongs to one lead, while a contact's row id can change when two of its identities merge.
/// </summary>
internal static class AlertId
{
    public static string For(string workspace, string kind, string inboundWamid)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{workspace}\n{kind}\n{inboundWamid}"));
        return "alert_" + Convert.ToHexStringLower(hash, 0, 16);
    }
}
