namespace Sanpool.Storage.Domains;

/// <summary>
/// VDSM's way of replacing a small file on a file domain: write <c>&lt;path&gt;.new</c>, flush
/// it to storage, rename it over <c>&lt;path&gt;</c>. A reader sees the old file or the new one,
/// never a torn mix; a crash leaves at most a stray .new.
/// </summary>
internal static class AtomicFile
{
    public const string NewSuffix = ".new";

    public static async Task WriteAsync(string path, byte[] content, CancellationToken cancellationToken)
    {
        string tmp = path + NewSuffix;
        await using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
        {
            await f.WriteAsync(content, cancellationToken).ConfigureAwait(false);
            f.Flush(flushToDisk: true);
        }

        File.Move(tmp, path, overwrite: true);
    }
}
