using System.Runtime.CompilerServices;
using Dapper;

namespace LeadTracker.Worker.Storage;

/// <summary>
/// Dapper fills records from snake_case columns (<c>last_contact_at</c> into <c>LastContactAt</c>). The switch is
/// process-wide, so it is thrown in this one place, when the worker's code is first loaded: the host, every
/// command-line verb, the tests and the benchmark get it without having to remember. Nothing turns it off. The
/// ingress never loads this assembly; its spool reads by column position instead.
/// </summary>
internal static class DapperMapping
{
    [ModuleInitializer]
    public static void MatchSnakeCaseColumns() => DefaultTypeMap.MatchNamesWithUnderscores = true;
}
