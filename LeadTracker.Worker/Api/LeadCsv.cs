using System.Globalization;
using CsvHelper;
using LeadTracker.Worker.Leads;

namespace LeadTracker.Worker.Api;

/// <summary>
/// Lists as CSV for spreadsheets: RFC 4180 (CRLF, quoted where needed), UTF-8 with a byte-order mark so Excel
/// reads accents right, a header row, times in the configured zone (named in the header) as
/// <c>yyyy-MM-dd HH:mm:ss</c>, which spreadsheets read as dates.
/// </summary>
internal sealed class LeadCsv(TimeZoneInfo zone)
{
    public const string ContentType = "text/csv; charset=utf-8";

    // RFC 4180 is CsvHelper's default (CRLF, quotes where needed); the byte-order mark is for Excel.
    private static readonly CsvWriterOptions Rfc4180 = CsvWriterOptions.Default with { WriteByteOrderMark = true };

    public byte[] Leads(IEnumerable<Lead> leads) => Write(csv =>
    {
        csv.WriteHeader("id", "name", "phone", "username", "bsuid", "workspace", "workspace_name", "marketing_status",
            Zoned("last_activity"), Zoned("last_contact"), Zoned("last_inbound"), Zoned("reply_window_closes_at"), "needs_template",
            "source_type", "source_id", "source_headline", "source_url", "source_ctwa_clid");
        foreach (var lead in leads)
        {
            csv.WriteRecord(lead.Id.ToString(CultureInfo.InvariantCulture), Text(lead.ProfileName), Phone(lead.PhoneE164),
                Text(lead.Username), Text(lead.Bsuid), Text(lead.Workspace), Text(lead.WorkspaceName), Text(lead.MarketingStatus),
                Time(lead.LastActivityAt), Time(lead.LastContactAt), Time(lead.LastInboundAt), Time(lead.ReplyWindowClosesAt),
                lead.NeedsTemplate ? "true" : "false", Text(lead.SourceType), Text(lead.SourceId), Text(lead.SourceHeadline),
                Text(lead.SourceUrl), Text(lead.SourceCtwaClid));
        }
    });

    public byte[] Timeline(Lead lead, IEnumerable<TimelineMessage> messages) => Write(csv =>
    {
        csv.WriteHeader("lead_id", "name", "phone", Zoned("time"), "direction", "type", "status", "error", "body_preview", "message_id");
        foreach (var message in messages)
        {
            csv.WriteRecord(lead.Id.ToString(CultureInfo.InvariantCulture), Text(lead.ProfileName), Phone(lead.PhoneE164),
                Time(message.OccurredAt), Text(message.Direction), Text(message.Type), Text(message.Status), Text(message.Error),
                Text(message.BodyPreview), Text(message.Wamid));
        }
    });

    private string Zoned(string column) => $"{column} ({zone.Id})";

    private string? Time(long? unixMs) => unixMs is { } ms
        ? TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeMilliseconds(ms), zone).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)
        : null;

    /// <summary>
    /// Every text field that a spreadsheet would run as a formula gets a leading apostrophe (CSV injection): any of
    /// them may hold what a webhook said. (CsvHelper's own <c>CsvInjection.Escape</c> would also mark every phone
    /// number, see <see cref="Phone"/>.)
    /// </summary>
    private static string? Text(string? value) =>
        value is { Length: > 0 } && "=+-@\t\r".Contains(value[0], StringComparison.Ordinal) ? "'" + value : value;

    /// <summary>An E.164 number we normalised ("+" and digits only) is data, not a formula: left as it is; anything else is text.</summary>
    private static string? Phone(string? value) =>
        value is ['+', .. var digits] && digits.Length > 0 && digits.All(char.IsAsciiDigit) ? value : Text(value);

    private static byte[] Write(Action<CsvWriter> rows)
    {
        using var buffer = new MemoryStream();
        using (var csv = CsvWriter.Create(buffer, Rfc4180, leaveOpen: true))
        {
            rows(csv);
        }

        return buffer.ToArray();
    }
}
