namespace FakeMx.Reports;

/// <summary>
/// Replaces a file so that a reader sees either the old content or the new, never a part:
/// the bytes go to a temporary file in the same directory (rename is only atomic within one
/// file system), are flushed to disk, and the temporary file is renamed over the target. The
/// directory is flushed too, so the rename survives a crash. A failure leaves the old file.
/// </summary>
public static class AtomicFile
{
    public static async Task WriteAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full) ?? ".";
        var temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(
                temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, cancellationToken);
                await stream.FlushAsync(cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            // rbldnsd and Postfix run as their own users: keep the mode of the file being
            // replaced, or make a new one readable by all (a blocklist is no secret).
            if (!OperatingSystem.IsWindows())
            {
                var mode = File.Exists(full)
                    ? File.GetUnixFileMode(full)
                    : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
                File.SetUnixFileMode(temp, mode);
            }

            File.Move(temp, full, overwrite: true);
            FlushDirectory(directory);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    private static void FlushDirectory(string directory)
    {
        // .NET cannot open a directory as a FileStream; fsync of the directory is best effort.
        try
        {
            using var handle = File.OpenHandle(directory, FileMode.Open, FileAccess.Read);
            RandomAccess.FlushToDisk(handle);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // XXX: on systems where a directory cannot be opened for fsync the rename is durable
            // only after the file system commits its journal (seconds on ext4).
        }
    }
}
