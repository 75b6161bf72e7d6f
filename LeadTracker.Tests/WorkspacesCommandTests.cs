using System.CommandLine;
using LeadTracker.Tests.Api;
using LeadTracker.Tests.Support;
using LeadTracker.Worker.Commands;

namespace LeadTracker.Tests;

/// <summary>
/// <c>workspaces list|rename</c>, and the rule every operator verb keeps: a database that is not there is one
/// clear line and a non-zero exit, never a new empty file or a stack trace.
/// </summary>
[TestFixture]
public sealed class WorkspacesCommandTests
{
    [Test]
    public async Task Rename_gives_a_workspace_a_name_that_list_and_leads_show()
    {
        using var db = await LeadSeed.CreateAsync();

        var (renamed, said, _) = Run(db, "workspaces", "rename", LeadSeed.ShopA, "Main street shop");
        var (_, list, _) = Run(db, "workspaces", "list");
        var (_, leads, _) = Run(db, "leads", "recent", "--workspace", LeadSeed.ShopA, "--limit", "1");

        Assert.That(renamed, Is.Zero);
        Assert.That(said, Does.Contain("Main street shop"));
        Assert.That(list, Does.Match($@"{LeadSeed.ShopA}\s+21\s+.*Main street shop"));
        Assert.That(list, Does.Match($@"{LeadSeed.ShopB}\s+12\s+.*-"));
        Assert.That(leads, Does.Contain($"Main street shop ({LeadSeed.ShopA})"));
    }

    [TestCase("no-such-number", "Shop", 1, "No workspace no-such-number")]
    [TestCase(LeadSeed.ShopA, "  ", 2, "1 to 80 printable characters")]
    public async Task Rename_refuses_what_it_cannot_do_in_one_line(string id, string name, int exit, string message)
    {
        using var db = await LeadSeed.CreateAsync();

        var (code, output, error) = Run(db, "workspaces", "rename", id, name);

        Assert.That(code, Is.EqualTo(exit));
        Assert.That(output, Is.Empty);
        Assert.That(error.TrimEnd(), Does.Contain(message).And.Not.Contain("\n"));
    }

    [TestCase("leads", "recent")]
    [TestCase("leads", "stale", "--days", "3")]
    [TestCase("workspaces", "list")]
    [TestCase("workspaces", "rename", LeadSeed.ShopA, "Shop")]
    public async Task A_verb_on_a_missing_database_says_so_in_one_line_and_creates_nothing(params string[] verb)
    {
        var folder = Path.Combine(Path.GetTempPath(), "leadtracker-tests", Guid.NewGuid().ToString("N"));
        var path = Path.Combine(folder, "typo.db");
        Directory.CreateDirectory(folder);
        try
        {
            var (code, output, error) = await WorkerCli.RunAsync(path, verb);

            Assert.That(code, Is.Not.Zero);
            Assert.That(output, Is.Empty);
            Assert.That(error.TrimEnd(), Is.EqualTo($"No lead database at {path}: check ConnectionStrings__Leads (the worker creates it at start; `migrate` creates it now)."));
            Assert.That(Directory.GetFiles(folder), Is.Empty, "nothing created");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Test]
    public async Task A_file_that_is_not_a_lead_database_is_one_line_too()
    {
        using var db = new TempDatabase();
        var text = Path.Combine(db.Folder, "notes.db");
        var empty = Path.Combine(db.Folder, "empty.db");
        await File.WriteAllTextAsync(text, "this is not SQLite, it is a note to self about the leads\n");
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={empty}"))
        {
            connection.Open(); // an empty SQLite file, as SQLite's default mode leaves behind at a mistyped path
        }

        var (notSqlite, _, notSqliteError) = await WorkerCli.RunAsync(text, "leads", "recent");
        var (noSchema, _, noSchemaError) = await WorkerCli.RunAsync(empty, "workspaces", "list");

        Assert.That(notSqlite, Is.Not.Zero);
        Assert.That(notSqliteError.TrimEnd(), Does.StartWith($"{text} cannot be read as a LeadTracker database").And.Not.Contain("\n"));
        Assert.That(noSchema, Is.Not.Zero);
        Assert.That(noSchemaError.TrimEnd(), Does.StartWith($"{empty} is not a LeadTracker database").And.Not.Contain("\n"));
    }

    private static (int Exit, string Output, string Error) Run(TempDatabase db, params string[] args)
    {
        var root = new RootCommand { LeadsCommand.Create(() => db.Connections), WorkspacesCommand.Create(() => db.Connections) };
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = root.Parse(args).Invoke(new InvocationConfiguration { Output = output, Error = error });
        return (exit, output.ToString(), error.ToString());
    }
}
