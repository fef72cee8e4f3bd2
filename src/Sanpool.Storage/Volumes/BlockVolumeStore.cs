using Sanpool.Core;
using Sanpool.Storage.Qemu;

namespace Sanpool.Storage.Volumes;

/// <summary>Volumes of a block domain: LVs named by volume UUID with IU_/PU_/MD_ tags. (Being built.)</summary>
public static class BlockVolumeStore
{
    public static Task<IVolumeStore> OpenAsync(IReadOnlyList<string> devices, Guid domain, QemuImg qemuImg, string runDirectory, CancellationToken cancellationToken) =>
        throw new SanpoolException(StorageErrors.DomainNotFound, $"block domain {domain}: volume operations on block domains are not built yet");
}
