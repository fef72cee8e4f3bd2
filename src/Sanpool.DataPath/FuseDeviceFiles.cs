using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.BlockIO;
using Sanpool.Storage.Volumes;

namespace Sanpool.DataPath;

/// <summary>
/// Storage's <see cref="IDeviceFiles"/> as this data path gives it: each exposure is one
/// in-process FUSE mount (<see cref="VolumeFileSystem"/>) listing the devices, unmounted when
/// the exposure is disposed. Works without device-mapper; needs root (mount(2)).
/// </summary>
public sealed class FuseDeviceFiles : IDeviceFiles
{
    private readonly ILogger _logger;

    /// <param name="logger">Where the mounts log (mounted, unmount failures); none if null.</param>
    public FuseDeviceFiles(ILogger? logger = null)
    {
        _logger = logger ?? NullLogger.Instance;
    }

    /// <exception cref="Core.SanpoolException">FUSE_MOUNT_FAILED, FUSE_PROTOCOL_FAILED, FUSE_VOLUME_EXISTS, FUSE_BAD_VOLUME_NAME.</exception>
    public async Task<PreparedVolumes> ExposeAsync(string directory, IReadOnlyList<KeyValuePair<string, IBlockDevice>> files, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(files);
        var fs = await VolumeFileSystem.MountAsync(directory, _logger, cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var (name, device) in files)
            {
                fs.Add(name, device);
            }
        }
        catch
        {
            await fs.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new PreparedVolumes(fs.MountPoint, fs.DisposeAsync);
    }

    public Task CleanupStaleAsync(string root, CancellationToken cancellationToken) =>
        VolumeFileSystem.CleanupStaleAsync(root, cancellationToken);
}
