namespace LeadTracker.Testing;

/// <summary>Where things are in the checkout the tests run from: its root, and the services built beside them.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>A built service, same configuration as the running assembly (bin/&lt;Configuration&gt;/net10.0).</summary>
    public static string ServiceDll(string project) =>
        Path.Combine(Root, project, "bin", Configuration, "net10.0", project + ".dll");

    private static string Configuration =>
        new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LeadTracker.sln"))) return dir.FullName;
        }

        throw new InvalidOperationException("LeadTracker.sln not found above " + AppContext.BaseDirectory);
    }
}
