using LeadTracker.Testing;

namespace LeadTracker.Tests.Support;

/// <summary>
/// A real, size-limited filesystem for full-disk tests: a <c>tmpfs</c> of a few MiB mounted on a temporary folder
/// (the tests run as root, as CI does), filled to the last byte by a filler file and freed by deleting it. Always
/// unmounted on dispose.
/// </summary>
internal sealed class SmallDisk : IAsyncDisposable
{
    private const string Filler = "filler.bin";

    private SmallDisk(string path) => Path = path;

    public string Path { get; }

    public static async Task<SmallDisk> MountAsync(int megabytes)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "leadtracker-tests", "disk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        var mount = await ProgramRun.RunAsync("mount", ["-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", path], TimeSpan.FromSeconds(30));
        if (mount.ExitCode != 0) throw new InvalidOperationException($"cannot mount a tmpfs on {path} (run the tests as root): {mount.Output}");
        return new SmallDisk(path);
    }

    /// <summary>Writes a filler file until the disk refuses (ENOSPC): from now on every write that needs a new block fails.</summary>
    public async Task FillAsync()
    {
        var buffer = new byte[64 * 1024];
        await using var file = new FileStream(System.IO.Path.Combine(Path, Filler), FileMode.Append, FileAccess.Write, FileShare.None, 1);
        try
        {
            while (true)
            {
                await file.WriteAsync(buffer);
                await file.FlushAsync();
            }
        }
        catch (IOException)
        {
            // full; a smaller block may still fit
        }

        try
        {
            while (true)
            {
                file.WriteByte(0);
                file.Flush();
            }
        }
        catch (IOException)
        {
            // full to the byte
        }
    }

    /// <summary>Deletes the filler: space returns.</summary>
    public void Free() => File.Delete(System.IO.Path.Combine(Path, Filler));

    public async ValueTask DisposeAsync()
    {
        var unmount = await ProgramRun.RunAsync("umount", [Path], TimeSpan.FromSeconds(30));
        // A process that still has a file open there (a killed service's last handle) keeps it busy: detach it.
        if (unmount.ExitCode != 0) await ProgramRun.RunAsync("umount", ["-l", Path], TimeSpan.FromSeconds(30));
        try
        {
            Directory.Delete(Path);
        }
        catch (IOException)
        {
            // left for the OS temp cleaner
        }
    }
}
