using System.Runtime.InteropServices;

namespace LeadTracker.Worker.Storage;

/// <summary>
/// A file made durable before it gets its final name: its bytes synced, then the rename synced in its folder, so a
/// power cut leaves either the old state or the whole new file, never a name pointing at half a file.
/// </summary>
internal static partial class DurableFile
{
    private const int ReadOnly = 0;
    private const int Directory = 0x10000; // O_DIRECTORY on Linux

    /// <summary>Syncs <paramref name="temporary"/>, renames it to <paramref name="final"/> and syncs the folder.</summary>
    public static void Publish(string temporary, string final)
    {
        using (var stream = new FileStream(temporary, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite))
            stream.Flush(flushToDisk: true);
        File.Move(temporary, final, overwrite: false);
        SyncFolder(Path.GetDirectoryName(Path.GetFullPath(final))!);
    }

    /// <summary>fsync on the folder: its entry for a renamed file survives a power cut. Not on Windows (no such call).</summary>
    public static void SyncFolder(string folder)
    {
        if (!OperatingSystem.IsLinux()) return;
        var fd = open(folder, ReadOnly | Directory);
        if (fd < 0) throw new IOException($"cannot open {folder} to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (fsync(fd) != 0) throw new IOException($"cannot sync {folder} (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            _ = close(fd);
        }
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
