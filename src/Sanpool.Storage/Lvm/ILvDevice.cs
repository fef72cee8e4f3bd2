using Sanpool.BlockIO;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// An LV as a block device that can grow while it is open (DESIGN section 4): after the SPM
/// extends the LV, <see cref="RefreshAsync"/> makes the new size usable without closing the
/// device, so an NBD export over it keeps its clients. Two ways reach the bytes:
/// <see cref="LvBlockDevice"/> maps the LV's segments onto its PVs itself (no device-mapper);
/// the data path's activated LV opens the node device-mapper made for it. Every I/O follows
/// <see cref="IBlockDevice"/>'s rules against <see cref="IBlockDevice.Size"/> as last refreshed.
/// <see cref="IBlockDevice.WriteAsync(long, ReadOnlyMemory{byte}, CancellationToken)"/> is as
/// durable as the devices were opened (O_SYNC or not); the overload with <c>fua</c> and
/// <see cref="FlushAsync"/> make it durable when they were not.
/// </summary>
public interface ILvDevice : IBlockDevice
{
    /// <param name="fua">Durable before returning: every device written is flushed.</param>
    ValueTask WriteAsync(long offset, ReadOnlyMemory<byte> data, bool fua, CancellationToken cancellationToken);

    /// <summary>Makes every completed write durable on every device under the LV.</summary>
    ValueTask FlushAsync(CancellationToken cancellationToken);

    /// <summary>Maps the LV's size now (after the SPM extended it) with I/O going on; returns it. Never shrinks.</summary>
    /// <exception cref="Core.SanpoolException">LV_NOT_FOUND if the LV is gone; LVM_BAD_REPORT if it shrank, the old size kept.</exception>
    Task<long> RefreshAsync(CancellationToken cancellationToken);
}
