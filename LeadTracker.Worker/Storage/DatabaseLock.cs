namespace LeadTracker.Worker.Storage;

/// <summary>Another process holds the database's lock file: a running worker, or a restore in progress.</summary>
internal sealed class DatabaseLockedException(string message) : Exception(message);

/// <summary>
/// How <c>restore</c> knows a worker is consuming into the database: the lock file <c>&lt;database&gt;.lock</c>
/// beside it. <c>run</c> holds it shared (an advisory <c>flock</c>, which the kernel releases when the process
/// ends, however it ends: no stale lock after a crash or a SIGKILL); <c>restore</c> takes it exclusive, which
/// fails while any worker holds it, and a worker cannot start while a restore holds it. .NET maps
/// <see cref="FileShare.None"/> to an exclusive and other sharing to a shared <c>flock</c> on Linux.
/// </summary>
internal sealed class DatabaseLock : IDisposable
{
    private readonly FileStream _file;

    private DatabaseLock(FileStream file) => _file = file;

    public static string PathFor(string dataSource) => Path.GetFullPath(dataSource) + ".lock";

    /// <summary>For a worker: many may hold it together, a restore may not run meanwhile.</summary>
    public static DatabaseLock Shared(string dataSource) =>
        Take(dataSource, FileAccess.Read, FileShare.ReadWrite, "a restore is replacing it: start the worker again once it is done");

    /// <summary>For a restore: only when no worker runs on the database.</summary>
    public static DatabaseLock Exclusive(string dataSource) =>
        Take(dataSource, FileAccess.ReadWrite, FileShare.None, "a worker is running on it (or another restore): stop the worker first");

    public void Dispose() => _file.Dispose();

    private static DatabaseLock Take(string dataSource, FileAccess access, FileShare share, string why)
    {
        var path = PathFor(dataSource);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (access == FileAccess.Read && !File.Exists(path)) File.WriteAllBytes(path, []);
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, access, share);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw new DatabaseLockedException($"{path} is locked: {why}");
        }

        return new DatabaseLock(file);
    }
}
