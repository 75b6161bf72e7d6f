using LeadTracker.Worker.Storage;

namespace LeadTracker.Tests;

/// <summary>
/// Once for the whole test assembly: the worker's snake_case column mapping, also for the tests that query a
/// database before they touch any worker code (the worker's module initializer has not run yet then).
/// </summary>
[SetUpFixture]
public sealed class TestAssemblySetup
{
    [OneTimeSetUp]
    public void MapSnakeCaseColumns() => DapperMapping.MatchSnakeCaseColumns();
}
