using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LeadTracker.Hosting;
using LeadTracker.Worker.Errors;

namespace LeadTracker.Worker.Commands;

/// <summary><c>errors list</c> and <c>errors replay</c>: what failed, why, and putting it back once the cause is fixed.</summary>
internal static class ErrorsCommand
{
    private static readonly string[] AllQueues = [QueueNames.MessageEvents, QueueNames.ContactEvents];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create(Func<ErrorQueueConnection> connection) =>
        new("errors", "Inspect and replay messages MassTransit moved to the _error queues (RabbitMQ management API).")
        {
            CreateList(connection),
            CreateReplay(connection),
        };

    private static Command CreateList(Func<ErrorQueueConnection> connection)
    {
        var queue = QueueOption("Only this queue (e.g. lead-message-events); both queues when omitted.");
        var peek = new Option<int>("--peek") { Description = "Show up to N messages per queue; they stay in the queue.", DefaultValueFactory = _ => 10 };
        peek.Validators.Add(r => r.AddErrorIf(r.GetValueOrDefault<int>() < 0, "--peek must be 0 or more."));
        var json = new Option<bool>("--json") { Description = "Write JSON instead of a table." };

        var command = new Command("list", "Count the messages in each _error queue and show the first ones; nothing is removed.") { queue, peek, json };
        command.SetAction((parse, cancellationToken) =>
        {
            // Resolved first: a bad broker setting is a configuration error (exit 2), not a failed listing.
            var broker = connection();
            return RunAsync(parse, "errors list", async () =>
            {
                using var client = new ErrorQueueClient(broker);
                var summaries = await client.ListAsync(parse.GetValue(queue) is { } one ? [one] : AllQueues, parse.GetValue(peek), cancellationToken);
                var output = parse.InvocationConfiguration.Output;
                await (parse.GetValue(json) ? output.WriteLineAsync(JsonSerializer.Serialize(summaries, Json)) : WriteTableAsync(output, summaries));
            });
        });
        return command;
    }

    private static Command CreateReplay(Func<ErrorQueueConnection> connection)
    {
        var queue = QueueOption("Replay this queue's _error queue (e.g. lead-message-events).");
        var all = new Option<bool>("--all") { Description = $"Replay both {string.Join(" and ", AllQueues)}." };
        var max = new Option<int?>("--max") { Description = "Move at most N messages per queue (default: all that are there when it starts)." };
        max.Validators.Add(r => r.AddErrorIf(r.GetValueOrDefault<int?>() is < 1, "--max must be 1 or more."));

        var command = new Command(
            "replay",
            "Move messages from <queue>_error back to <queue> with a RabbitMQ shovel (confirmed, then removed from _error). Fix the cause first.")
        {
            queue, all, max,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var (one, both, error) = (parse.GetValue(queue), parse.GetValue(all), parse.InvocationConfiguration.Error);
            if ((one is null) == !both)
            {
                await error.WriteLineAsync(one is null
                    ? $"errors replay: pick what to replay: --queue NAME (e.g. --queue {QueueNames.MessageEvents}) or --all."
                    : "errors replay: --queue and --all exclude each other: pick one.");
                return 1;
            }

            using var client = new ErrorQueueClient(connection());
            var exitCode = 0;
            foreach (var name in one is null ? AllQueues : [one])
            {
                // Each queue on its own: one that fails does not stop the other. Progress only on a terminal.
                exitCode = Math.Max(exitCode, await RunAsync(parse, $"errors replay {name}", async () =>
                {
                    var terminal = Console.IsErrorRedirected ? null : error;
                    var result = await client.ReplayAsync(
                        name, parse.GetValue(max), moved => terminal?.Write($"\r{name}: about {moved} moved so far "), cancellationToken);
                    terminal?.Write("\r" + new string(' ', name.Length + 32) + "\r");
                    await parse.InvocationConfiguration.Output.WriteLineAsync(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{result.ErrorQueue} -> {result.Queue}: moved {result.Moved}, {result.Remaining} left in {result.ErrorQueue}"));
                }));
            }

            return exitCode;
        });
        return command;
    }

    private static Option<string?> QueueOption(string description)
    {
        var option = new Option<string?>("--queue") { Description = description };
        option.Validators.Add(r => r.AddErrorIf(
            string.IsNullOrWhiteSpace(r.GetValueOrDefault<string?>()), $"--queue needs a queue name, e.g. {QueueNames.MessageEvents}."));
        return option;
    }

    private static void AddErrorIf(this System.CommandLine.Parsing.OptionResult result, bool condition, string message)
    {
        if (condition)
        {
            result.AddError(message);
        }
    }

    /// <summary>Runs one step; an expected failure (broker down, bad credentials, missing queue) is one line on stderr and exit code 1.</summary>
    private static async Task<int> RunAsync(ParseResult parse, string what, Func<Task> step)
    {
        try
        {
            await step();
            return 0;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"{what} failed: {e.Message}");
            return 1;
        }
    }

    private static async Task WriteTableAsync(TextWriter output, IReadOnlyList<ErrorQueueSummary> summaries)
    {
        var width = Math.Max("QUEUE".Length, summaries.Max(s => s.ErrorQueue.Length));
        await output.WriteLineAsync($"{"QUEUE".PadRight(width)}  MESSAGES");
        foreach (var summary in summaries)
        {
            var count = summary.Exists ? summary.MessageCount.ToString(CultureInfo.InvariantCulture) : "0 (no error queue)";
            await output.WriteLineAsync($"{summary.ErrorQueue.PadRight(width)}  {count}");
        }

        foreach (var summary in summaries.Where(s => s.Messages.Count > 0))
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync($"{summary.ErrorQueue}: first {summary.Messages.Count} of {summary.MessageCount}");
            var eventWidth = Math.Max("EVENT TYPE".Length, summary.Messages.Max(m => (m.EventType ?? "?").Length));
            await output.WriteLineAsync($"  {"FAULTED AT (UTC)",-20}  {"EVENT TYPE".PadRight(eventWidth)}  REASON");
            foreach (var message in summary.Messages)
            {
                var at = message.FaultedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "?";
                await output.WriteLineAsync($"  {at,-20}  {(message.EventType ?? "?").PadRight(eventWidth)}  {Reason(message)}");
            }
        }
    }

    /// <summary>One line: <c>fault: InvalidOperationException: bad payload: X</c>, the message cut at 160 characters.</summary>
    private static string Reason(ErrorMessageInfo message)
    {
        var exceptionType = message.ExceptionType is { } type ? type[(type.LastIndexOf('.') + 1)..] : null;
        var firstLine = message.ExceptionMessage?.Split('\n', 2)[0].TrimEnd('\r');
        firstLine = firstLine is { Length: > 160 } ? string.Concat(firstLine.AsSpan(0, 157), "...") : firstLine;
        var reason = string.Join(": ", new[] { message.Reason, exceptionType, firstLine }.Where(p => !string.IsNullOrEmpty(p)));
        return reason.Length > 0 ? reason : "?";
    }
}
