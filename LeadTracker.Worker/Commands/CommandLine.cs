using System.CommandLine;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace LeadTracker.Worker.Commands;

/// <summary>
/// The rules of the worker's command line, so that no mistake can hurt:
/// <list type="bullet">
/// <item>Nothing consumes without <c>run</c>. With no verb (or a verb group such as <c>leads</c> alone) the help is
/// printed and the exit code is 2: a unit or container still written for the old default (consume when no verb)
/// then fails visibly (systemd marks it failed, docker shows <c>Exited (2)</c>) instead of looking like a clean
/// exit, and nobody who only meant to look starts a second consumer.</item>
/// <item>A bad option, a missing setting, or a database or broker error is one line on stderr and a non-zero
/// exit: 2 for usage and configuration, 1 for a failure at run time. Never a stack trace.</item>
/// </list>
/// </summary>
internal static class CommandLine
{
    public const int Failed = 1;
    public const int Usage = 2;

    private const string Name = "leadtracker";

    public static async Task<int> InvokeAsync(RootCommand root, string[] args, string connectionString)
    {
        // No response files: "@shop" is a value, not a file to read arguments from. A value starting with "-" goes
        // after "--" (workspaces rename ID -- "-shop"), as in every POSIX tool.
        var parse = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        var error = Console.Error;
        if (parse.Errors.Count > 0)
        {
            var command = parse.CommandResult.Command;
            var path = PathOf(parse.CommandResult);
            if (parse.UnmatchedTokens.Count == 0 && command.Subcommands.Count > 0 && command.Action is null)
            {
                await root.Parse([.. path, "--help"]).InvokeAsync();
                await error.WriteLineAsync($"{Title(path)}: no command given; choose one of: " +
                    string.Join(", ", command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name)));
                return Usage;
            }

            // An unknown word also leaves its command without a verb: name the word, it is the real mistake.
            var first = parse.Errors.FirstOrDefault(e => parse.UnmatchedTokens.Any(t => e.Message.Contains($"'{t}'", StringComparison.Ordinal)))
                ?? parse.Errors[0];
            await error.WriteLineAsync($"{Title(path)}: {first.Message} (see: {Title(path)} --help)");
            return Usage;
        }

        try
        {
            // The host handles SIGTERM itself (graceful stop, systemd); System.CommandLine must not cut it short.
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                ProcessTerminationTimeout = null,
                EnableDefaultExceptionHandler = false,
            });
        }
        catch (OptionsValidationException e)
        {
            await error.WriteLineAsync($"{Name}: invalid configuration: {string.Join("; ", e.Failures)}");
            return Usage;
        }
        catch (SqliteException e)
        {
            await error.WriteLineAsync($"{Name}: database {new SqliteConnectionStringBuilder(connectionString).DataSource}: {FirstLine(e.Message)}");
            return Failed;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync($"{Name}: cancelled");
            return 130;
        }
        catch (Exception e)
        {
            // Configuration that does not bind (a port of "abc") lands here as InvalidOperationException, with a
            // message naming the setting.
            await error.WriteLineAsync($"{Name}: {FirstLine(e.Message)}");
            return e is InvalidOperationException ? Usage : Failed;
        }
    }

    private static List<string> PathOf(System.CommandLine.Parsing.CommandResult result)
    {
        var path = new List<string>();
        for (var at = result; at.Parent is System.CommandLine.Parsing.CommandResult parent; at = parent) path.Insert(0, at.Command.Name);
        return path;
    }

    private static string Title(List<string> path) => path.Count == 0 ? Name : $"{Name} {string.Join(' ', path)}";

    private static string FirstLine(string message) => message.Split('\n', 2)[0].TrimEnd('\r');
}
