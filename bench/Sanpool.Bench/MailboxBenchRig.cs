using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.BlockIO;
using Sanpool.Pool.Mailbox;
using Sanpool.Storage.Lvm;
using Sanpool.Storage.Mailbox;

namespace Sanpool.Bench;

/// <summary>
/// What the mailbox suite runs on: an inbox and an outbox, each a loop device of 16 MiB over a
/// sparse file (O_DIRECT, 512-byte sectors) as a master domain's mailbox LVs would be, and a VG
/// of 128 MiB extents (VDSM's) on a third loop device, with one LV per requesting host (named
/// by its volume's UUID, as a block domain names a volume's LV, so <see cref="DataPath.LvExport"/>
/// maps it) and one for the bare <c>lvextend</c> anchor. Disposing removes the VG and
/// detaches exactly the loop devices it attached.
/// </summary>
internal sealed class MailboxBenchRig : IAsyncDisposable
{
    public const long ExtentSize = 128L * 1024 * 1024;
    public const string AnchorLv = "mbx-anchor";

    private readonly List<LoopDevice> _loops = [];

    private readonly List<Guid> _volumes = [];
    private string _inboxPath = "";
    private string _outboxPath = "";

    private MailboxBenchRig(string vg) => Vg = vg;

    public string Vg { get; }

    public LvmCommand Lvm { get; private set; } = null!;

    public IBlockDevice Inbox { get; private set; } = null!;

    public IBlockDevice Outbox { get; private set; } = null!;

    /// <summary>The volume host <paramref name="hostId"/> asks to extend; its LV is named by this UUID.</summary>
    public Guid VolumeOf(int hostId) => _volumes[hostId - 1];

    public static async Task<MailboxBenchRig> CreateAsync(string dir, int hosts, long extents)
    {
        Directory.CreateDirectory(dir);
        var rig = new MailboxBenchRig($"mbx-{Guid.NewGuid():N}");
        try
        {
            var inbox = await rig.LoopAsync(dir, MailboxLayout.AreaSize);
            var outbox = await rig.LoopAsync(dir, MailboxLayout.AreaSize);
            var pv = await rig.LoopAsync(dir, (extents + hosts + 8) * ExtentSize);
            rig._inboxPath = inbox.Path;
            rig._outboxPath = outbox.Path;
            rig.Inbox = DirectBlockDevice.Open(inbox.Path, sync: false);
            rig.Outbox = DirectBlockDevice.Open(outbox.Path, sync: false);
            rig.Lvm = new LvmCommand(new LvmOptions([pv.Path]));
            await rig.Lvm.PvCreateAsync([pv.Path]);
            await rig.Lvm.VgCreateAsync(rig.Vg, [pv.Path], ExtentSize, []);
            await rig.Lvm.LvCreateAsync(rig.Vg, AnchorLv, ExtentSize, []);
            for (int host = 1; host <= hosts; host++)
            {
                var volume = Guid.NewGuid();
                rig._volumes.Add(volume);
                await rig.Lvm.LvCreateAsync(rig.Vg, volume.ToString(), ExtentSize, []);
            }

            return rig;
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }
    }

    /// <summary>A server on this rig's mailbox; the caller runs and stops it.</summary>
    public MailboxServer Server(IMailHandler handler, MailboxOptions options) =>
        new(Inbox, Outbox, handler, options, TimeProvider.System, NullLogger.Instance);

    public MailboxClient Client(int hostId, MailboxOptions options) =>
        new(hostId, Inbox, Outbox, options, TimeProvider.System, NullLogger.Instance);

    /// <summary>
    /// The inbox and outbox opened again, as a host opens the master's mailbox LVs itself (its
    /// own O_DIRECT handles, which it closes); the SPM's server keeps <see cref="Inbox"/> and <see cref="Outbox"/>.
    /// </summary>
    public (IBlockDevice Inbox, IBlockDevice Outbox) OpenHostMailbox() =>
        (DirectBlockDevice.Open(_inboxPath, sync: false), DirectBlockDevice.Open(_outboxPath, sync: false));

    /// <summary>Replaces host <paramref name="hostId"/>'s LV by a new one of one extent under a new volume UUID (a fresh thin disk); returns that UUID.</summary>
    public async Task<Guid> ReplaceVolumeAsync(int hostId, CancellationToken cancellationToken)
    {
        var old = _volumes[hostId - 1];
        await Lvm.LvRemoveAsync(Vg, old.ToString(), cancellationToken);
        var volume = Guid.NewGuid();
        await Lvm.LvCreateAsync(Vg, volume.ToString(), ExtentSize, [], cancellationToken: cancellationToken);
        _volumes[hostId - 1] = volume;
        return volume;
    }

    private async Task<LoopDevice> LoopAsync(string dir, long size)
    {
        var loop = await LoopDevice.CreateAsync(dir, size);
        _loops.Add(loop);
        return loop;
    }

    public async ValueTask DisposeAsync()
    {
        if (Inbox is not null)
        {
            await Inbox.DisposeAsync();
        }

        if (Outbox is not null)
        {
            await Outbox.DisposeAsync();
        }

        if (Lvm is not null)
        {
            try
            {
                await Lvm.VgRemoveAsync(Vg);
            }
            catch (Sanpool.Core.SanpoolException e)
            {
                Console.Error.WriteLine($"vgremove {Vg}: {e.Message}");
            }
        }

        foreach (var loop in _loops)
        {
            await loop.DisposeAsync();
        }
    }
}
