using System.Text;
using LeadTracker.Worker.Api;
using LeadTracker.Worker.Leads;
using Microsoft.VisualBasic.FileIO;

namespace LeadTracker.Tests.Api;

/// <summary>
/// Issue 17, item 5: a formula in any text column of either CSV is defused, read back by a real CSV parser
/// (TextFieldParser) the way a spreadsheet would split the file.
/// </summary>
[TestFixture]
public sealed class LeadCsvInjectionTests
{
    private static readonly string[] Formulas = ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1", "\r=1"];

    private static readonly LeadCsv Csv = new(TimeZoneInfo.Utc);

    [TestCaseSource(nameof(Formulas))]
    public void Every_text_column_of_the_lead_list_is_defused(string formula)
    {
        var lead = new Lead
        {
            Id = 7, Workspace = formula, WorkspaceName = formula, ProfileName = formula, PhoneE164 = formula, Bsuid = formula,
            Username = formula, MarketingStatus = formula, LastActivityAt = 1_768_471_500_000,
            SourceType = formula, SourceId = formula, SourceHeadline = formula, SourceUrl = formula, SourceCtwaClid = formula,
        };

        var (header, row) = Read(Csv.Leads([lead]));

        AssertDefused(header, row, formula, numeric: ["id", "last_activity (UTC)", "last_contact (UTC)", "last_inbound (UTC)",
            "reply_window_closes_at (UTC)", "needs_template"]);
    }

    [TestCaseSource(nameof(Formulas))]
    public void Every_text_column_of_a_timeline_is_defused(string formula)
    {
        var lead = new Lead { Id = 7, Workspace = "1", ProfileName = formula, PhoneE164 = formula };
        var message = new TimelineMessage
        {
            Id = 1, Wamid = formula, Direction = formula, OccurredAt = 1_768_471_500_000, Type = formula, BodyPreview = formula,
            Status = formula, Error = formula,
        };

        var (header, row) = Read(Csv.Timeline(lead, [message]));

        AssertDefused(header, row, formula, numeric: ["lead_id", "time (UTC)"]);
    }

    [Test]
    public void A_normalised_phone_number_stays_as_it_is()
    {
        var (header, row) = Read(Csv.Leads([new Lead { Id = 1, Workspace = "110000000000001", PhoneE164 = "+15550100123" }]));

        Assert.That(row[Array.IndexOf(header, "phone")], Is.EqualTo("+15550100123"));
    }

    private static void AssertDefused(string[] header, string[] row, string formula, string[] numeric)
    {
        Assert.That(row, Has.Length.EqualTo(header.Length));
        Assert.Multiple(() =>
        {
            for (var i = 0; i < header.Length; i++)
            {
                if (numeric.Contains(header[i]) || row[i].Length == 0) continue;
                Assert.That(row[i], Is.EqualTo("'" + formula), $"column {header[i]}");
            }
        });
    }

    private static (string[] Header, string[] Row) Read(byte[] csv)
    {
        using var parser = new TextFieldParser(new MemoryStream(csv), Encoding.UTF8)
        {
            TextFieldType = FieldType.Delimited,
            HasFieldsEnclosedInQuotes = true,
            TrimWhiteSpace = false,
        };
        parser.SetDelimiters(",");
        var header = parser.ReadFields()!;
        var row = parser.ReadFields()!;
        Assert.That(parser.EndOfData, "one record");
        return (header, row);
    }
}
