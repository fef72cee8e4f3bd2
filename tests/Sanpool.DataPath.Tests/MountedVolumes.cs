using Sanpool.TestSupport;

namespace Sanpool.DataPath.Tests;

/// <summary>
/// A real FUSE volume directory under a fresh <see cref="TempDir"/>, for tests that need root.
/// Disposing unmounts it, then fails the test if any fuse.sanpool mount is left under the
/// temporary directory, then removes the directory.
/// </summary>
internal sealed class MountedVolumes : IAsyncDisposable
{
    private MountedVolumes(TempDir dir, VolumeFileSystem fileSystem)
    {
        Dir = dir;
        FileSystem = fileSystem;
    }

    public TempDir Dir { get; }

    public VolumeFileSystem FileSystem { get; }

    public static async Task<MountedVolumes> MountAsync()
    {
        Requires.Root("it mounts a FUSE file system");
        EnoughThreads();
        var dir = new TempDir("fuse");
        try
        {
            var fileSystem = await VolumeFileSystem.MountAsync(dir.File("mnt"), CancellationToken.None);
            return new MountedVolumes(dir, fileSystem);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A test is both the FUSE client and its server. .NET runs blocking file calls on pool
    /// threads, and each waits for a FUSE request that needs another pool thread to answer;
    /// with the default minimum (one per core) the pool starves and only grows every ~0.5 s.
    /// qemu, the real client, is another process and never competes for the pool.
    /// </summary>
    public static void EnoughThreads()
    {
        ThreadPool.GetMinThreads(out int workers, out int completion);
        ThreadPool.SetMinThreads(Math.Max(workers, 64), completion);
    }

    public string PathOf(string name) => FileSystem.PathOf(name);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await FileSystem.DisposeAsync();
            AssertNoMountUnder(Dir.Path);
        }
        finally
        {
            Dir.Dispose();
        }
    }

    /// <summary>The fuse.sanpool mount points under <paramref name="directory"/> in this mount namespace.</summary>
    public static List<string> MountsUnder(string directory) =>
        [.. MountInfoEntry.Parse(File.ReadAllText("/proc/self/mountinfo"))
            .Where(m => m.FileSystemType == VolumeFileSystem.FileSystemType && m.MountPoint.StartsWith(directory + "/", StringComparison.Ordinal))
            .Select(m => m.MountPoint)];

    public static void AssertNoMountUnder(string directory) => Assert.Empty(MountsUnder(directory));
}
