namespace Sanpool.TestSupport;

/// <summary>
/// A fresh directory under <see cref="Root"/> for one test, removed with everything in it on
/// dispose. /tmp is used on purpose: it is a real file system (ext4 here), so O_DIRECT works,
/// unlike tmpfs.
/// </summary>
public sealed class TempDir : IDisposable
{
    public const string Root = "/tmp/sanpool-tests";

    public TempDir(string prefix = "t")
    {
        Directory.CreateDirectory(Root);
        Path = System.IO.Path.Combine(Root, $"{prefix}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..12]}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>The full path of <paramref name="name"/> inside this directory (not created).</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates a sparse file of <paramref name="size"/> bytes and returns its path.</summary>
    public string CreateSparseFile(string name, long size)
    {
        string path = File(name);
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        stream.SetLength(size);
        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover directory under /tmp is harmless; failing the test over it is not.
        }
    }
}
