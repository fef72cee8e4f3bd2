using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.BlockIO;
using Sanpool.Core;

namespace Sanpool.DataPath;

/// <summary>
/// A directory whose regular files are volumes, served in-process over FUSE so that qemu-img
/// and qemu-io can work on LVs that cannot be activated (no device-mapper): each file is an
/// <see cref="IBlockDevice"/>, and a qcow2 whose backing file is a bare parent UUID finds its
/// parent next to it, as in VDSM's /run/vdsm/storage/&lt;sd&gt;/&lt;img&gt;/&lt;vol&gt; layout.
/// Files have the size of their device and never change size. The devices stay the caller's:
/// they are not disposed here, and a file still open after <see cref="Remove"/> keeps using
/// its device until the caller disposes it (then its I/O fails with EIO).
/// The protocol is described in <see cref="FuseServer"/>.
/// <para>
/// Meant for other processes (qemu-img, qemu-io). Code in this process that reads the mount
/// with blocking file calls ties up thread-pool threads that the server needs to answer it;
/// it works, but the pool may starve and grow only slowly.
/// </para>
/// </summary>
public sealed partial class VolumeFileSystem : IAsyncDisposable
{
    public const string FileSystemType = "fuse.sanpool";

    private const string MountSource = "sanpool";
    private const string MountInfoPath = "/proc/self/mountinfo";
    private static readonly TimeSpan InitTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StaleProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>Mount points this process serves, which <see cref="CleanupStaleAsync"/> must never touch.</summary>
    private static readonly ConcurrentDictionary<string, byte> LiveMounts = new(StringComparer.Ordinal);

    private readonly FuseChannel _channel;
    private readonly FuseServer _server;
    private readonly VolumeDirectory _directory;
    private readonly bool _createdMountPoint;
    private readonly ILogger _logger;
    private int _closed;

    private VolumeFileSystem(string mountPoint, bool createdMountPoint, FuseChannel channel, ILogger logger)
    {
        MountPoint = mountPoint;
        _createdMountPoint = createdMountPoint;
        _channel = channel;
        _logger = logger;
        _directory = new VolumeDirectory(TimeProvider.System);
        _server = new FuseServer(channel, new VolumeRequestHandler(_directory, logger), mountPoint, logger);
    }

    /// <summary>The absolute path of the mounted directory.</summary>
    public string MountPoint { get; }

    /// <summary>The names of the volumes listed now.</summary>
    public IReadOnlyCollection<string> Names => _directory.Names();

    /// <summary>The path of volume <paramref name="name"/> in the mount.</summary>
    public string PathOf(string name) => Path.Combine(MountPoint, name);

    /// <inheritdoc cref="MountAsync(string, ILogger, CancellationToken)"/>
    public static Task<VolumeFileSystem> MountAsync(string mountPoint, CancellationToken cancellationToken) =>
        MountAsync(mountPoint, NullLogger.Instance, cancellationToken);

    /// <summary>
    /// Mounts an empty volume directory at <paramref name="mountPoint"/> (created if missing,
    /// and then removed again on dispose) and returns once the kernel has completed INIT.
    /// Needs root (mount(2) and allow_other). After a crash, call <see cref="CleanupStaleAsync"/>
    /// first: a stale mount point answers ENOTCONN and cannot be mounted over.
    /// </summary>
    /// <exception cref="SanpoolException">FUSE_MOUNT_FAILED or FUSE_PROTOCOL_FAILED.</exception>
    public static async Task<VolumeFileSystem> MountAsync(string mountPoint, ILogger logger, CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsLinux() || !BitConverter.IsLittleEndian)
        {
            // FUSE messages are in host byte order and every codec here reads little-endian.
            throw new PlatformNotSupportedException("the FUSE data path needs Linux on a little-endian host");
        }

        string path = Path.TrimEndingDirectorySeparator(Path.GetFullPath(mountPoint));
        bool created = !Directory.Exists(path);
        Directory.CreateDirectory(path);
        VolumeFileSystem fileSystem;
        try
        {
            fileSystem = new VolumeFileSystem(path, created, Mount(path), logger);
        }
        catch
        {
            RemoveCreatedDirectory(path, created);
            throw;
        }

        LiveMounts[path] = 0;
        fileSystem._server.Start();
        try
        {
            await fileSystem._server.Initialized.WaitAsync(InitTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException or NotSupportedException)
        {
            await fileSystem.DisposeAsync().ConfigureAwait(false);
            throw new SanpoolException(DataPathErrors.ProtocolFailed, $"FUSE mount at {path} did not start: {e.Message}", innerException: e);
        }
        catch (OperationCanceledException)
        {
            await fileSystem.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        LogMounted(logger, path);
        return fileSystem;
    }

    /// <summary>Lists <paramref name="device"/> as file <paramref name="name"/>.</summary>
    /// <exception cref="SanpoolException">FUSE_VOLUME_EXISTS, or FUSE_BAD_VOLUME_NAME.</exception>
    public void Add(string name, IBlockDevice device, bool readOnly = false) => _directory.Add(name, device, readOnly, replace: false);

    /// <summary>
    /// Lists <paramref name="device"/> as <paramref name="name"/> in place of whatever was
    /// there (after an LV was extended, say). The kernel sees the new file, with its new size,
    /// at the next path lookup; files already open keep the old device.
    /// </summary>
    public void Replace(string name, IBlockDevice device, bool readOnly = false) => _directory.Add(name, device, readOnly, replace: true);

    /// <summary>Unlists a volume; false if there was none of that name.</summary>
    public bool Remove(string name) => _directory.Remove(name);

    /// <summary>
    /// Lazily unmounts (MNT_DETACH) every fuse.sanpool mount under <paramref name="directory"/>
    /// whose server is gone — after a kill -9 the mount stays, answering ENOTCONN ("Transport
    /// endpoint is not connected"). Mounts served by this process, and mounts whose server
    /// still answers (or does not answer within 5 s), are left alone. Returns the mount points
    /// removed.
    /// </summary>
    public static async Task<IReadOnlyList<string>> CleanupStaleAsync(string directory, CancellationToken cancellationToken = default)
    {
        string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        string text = await File.ReadAllTextAsync(MountInfoPath, cancellationToken).ConfigureAwait(false);
        var candidates = MountInfoEntry.Parse(text)
            .Where(m => m.FileSystemType == FileSystemType && IsUnder(m.MountPoint, root) && !LiveMounts.ContainsKey(m.MountPoint))
            .Select(m => m.MountPoint)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(p => p.Length);
        var removed = new List<string>();
        foreach (string mountPoint in candidates)
        {
            if (!await IsDisconnectedAsync(mountPoint, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            if (FuseNative.Umount2(mountPoint, FuseNative.MNT_DETACH) != 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                throw new SanpoolException(DataPathErrors.UnmountFailed, $"cannot unmount stale {mountPoint}: {FuseNative.Describe(errno)}");
            }

            removed.Add(mountPoint);
        }

        return removed;
    }

    /// <summary>Unmounts (lazily: a process still inside sees ENOTCONN), stops the server and closes /dev/fuse.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        LiveMounts.TryRemove(MountPoint, out _);
        if (FuseNative.Umount2(MountPoint, FuseNative.MNT_DETACH) != 0)
        {
            LogUnmountFailed(_logger, MountPoint, FuseNative.Describe(Marshal.GetLastPInvokeError()));
        }

        await _server.StopAsync(DrainTimeout).ConfigureAwait(false);
        _channel.Dispose();
        RemoveCreatedDirectory(MountPoint, _createdMountPoint);
    }

    /// <summary>
    /// For tests: what kill -9 does. The server stops and /dev/fuse is closed without
    /// unmounting, so the kernel aborts the connection and the mount stays, stale.
    /// </summary>
    internal async Task AbandonAsync()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        LiveMounts.TryRemove(MountPoint, out _);
        await _server.StopAsync(DrainTimeout).ConfigureAwait(false);
        _channel.Dispose();
    }

    private static FuseChannel Mount(string path)
    {
        var channel = FuseChannel.Open();

        // default_permissions: the kernel enforces the 0660 root:root modes; allow_other lets
        // qemu running as another user in at all. nosuid, nodev: volumes are data, never programs or devices.
        string options = $"fd={channel.Descriptor},rootmode=40000,user_id=0,group_id=0,allow_other,default_permissions";
        if (FuseNative.Mount(MountSource, path, FileSystemType, FuseNative.MS_NOSUID | FuseNative.MS_NODEV, options) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            channel.Dispose();
            throw new SanpoolException(DataPathErrors.MountFailed, $"cannot mount {FileSystemType} at {path}: {FuseNative.Describe(errno)}");
        }

        return channel;
    }

    /// <summary>statfs on a FUSE mount whose /dev/fuse was closed fails at once with ENOTCONN (or ECONNABORTED after an abort).</summary>
    private static async Task<bool> IsDisconnectedAsync(string mountPoint, CancellationToken cancellationToken)
    {
        var probe = Task.Run(() =>
        {
            unsafe
            {
                byte* statfs = stackalloc byte[256];
                return FuseNative.StatFs(mountPoint, statfs) == 0 ? 0 : Marshal.GetLastPInvokeError();
            }
        }, cancellationToken);
        try
        {
            int errno = await probe.WaitAsync(StaleProbeTimeout, cancellationToken).ConfigureAwait(false);
            return errno is FuseNative.ENOTCONN or FuseNative.ECONNABORTED;
        }
        catch (TimeoutException)
        {
            // A server that is slow to answer is alive; the probe thread returns when it does.
            return false;
        }
    }

    private static bool IsUnder(string path, string root) =>
        root.Length == 0 || path == root || path.StartsWith(root + "/", StringComparison.Ordinal);

    private static void RemoveCreatedDirectory(string path, bool created)
    {
        if (!created)
        {
            return;
        }

        try
        {
            Directory.Delete(path);
        }
        catch (IOException)
        {
            // Not empty or still a mount point: leave it rather than guess whose it is.
        }
    }

    [LoggerMessage(EventId = 6120, Level = LogLevel.Information, Message = "FUSE volume directory mounted at {MountPoint}")]
    private static partial void LogMounted(ILogger logger, string mountPoint);

    [LoggerMessage(EventId = 6121, Level = LogLevel.Warning, Message = "FUSE unmount of {MountPoint} failed: {Error}")]
    private static partial void LogUnmountFailed(ILogger logger, string mountPoint, string error);
}
