using Sanpool.Leases;
using Sanpool.Storage.Lvm;

namespace Sanpool.Storage.Domains;

/// <summary>
/// The bytes a new block domain needs in its special LVs, written through the PVs
/// (<see cref="LvBlockDevice"/>): LVM never zeroes an LV here, and a LUN may hold anything,
/// so whatever VDSM expects to read as zeros is zeroed, and the leases are formatted the way
/// a file domain's are.
/// </summary>
internal static class BlockDomainLeases
{
    private const int ZeroChunk = 1024 * 1024;

    /// <summary>
    /// Zeroes the metadata LV's reserved start (V4 and V5 slot areas: free slots must read as
    /// empty) and both mailboxes whole (a stale message would look like a request).
    /// </summary>
    public static async Task ZeroAsync(Func<string, LvBlockDevice> open, CancellationToken cancellationToken)
    {
        await ZeroAsync(open(BlockDomainLayout.MetadataLv), BlockDomainLayout.MetadataReservedSize, cancellationToken).ConfigureAwait(false);
        await ZeroAsync(open(BlockDomainLayout.InboxLv), BlockDomainLayout.MailboxLvSize, cancellationToken).ConfigureAwait(false);
        await ZeroAsync(open(BlockDomainLayout.OutboxLv), BlockDomainLayout.MailboxLvSize, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The lockspace (name = sdUUID) at the start of the ids LV, and the SPM resource "SDM" at
    /// 1 x alignment in the leases LV: the same records sanlock's direct init writes.
    /// </summary>
    public static async Task InitAsync(Func<string, LvBlockDevice> open, Guid uuid, LeaseGeometry g, int ioTimeout, CancellationToken cancellationToken)
    {
        var io = TimeSpan.FromSeconds(ioTimeout);
        string name = uuid.ToString();
        await using (var ids = open(BlockDomainLayout.IdsLv))
        {
            await DeltaLease.InitAsync(new LeaseDisk(ids, 0, g, io), name, ioTimeout, cancellationToken).ConfigureAwait(false);
        }

        await using (var leases = open(BlockDomainLayout.LeasesLv))
        {
            await PaxosLease.InitAsync(new LeaseDisk(leases, SpmLease.Offset(g.Alignment), g, io), name, SpmLease.Name, null, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ZeroAsync(LvBlockDevice lv, long length, CancellationToken cancellationToken)
    {
        await using (lv)
        {
            var zeros = new byte[ZeroChunk];
            for (long offset = 0; offset < length; offset += ZeroChunk)
            {
                await lv.WriteAsync(offset, zeros, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
