namespace LeadTracker.Tests.Support;

/// <summary>Where things are in the checkout the tests run from. Nothing here reads ../shared.</summary>
internal static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string Fixtures => Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "Kapso");

    /// <summary>The built service, same configuration as the tests (the test project references both).</summary>
    public static string ServiceDll(string project) =>
        Path.Combine(Root, project, "bin", Configuration, "net10.0", project + ".dll");

    private static string Configuration =>
        new DirectoryInfo(TestContext.CurrentContext.TestDirectory).Parent!.Name;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LeadTracker.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("LeadTracker.sln not found above " + AppContext.BaseDirectory);
    }
}
