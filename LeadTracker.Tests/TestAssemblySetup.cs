using Dapper;

namespace LeadTracker.Tests;

/// <summary>Once for the whole test assembly: read snake_case columns into PascalCase records, as the worker does.</summary>
[SetUpFixture]
public sealed class TestAssemblySetup
{
    [OneTimeSetUp]
    public void MapSnakeCaseColumns() => DefaultTypeMap.MatchNamesWithUnderscores = true;
}
