using Sanpool.Pool.Mailbox;
using Sanpool.Storage.Lvm;

namespace Sanpool.Bench;

/// <summary>
/// The mailbox suite's SPM handler: a real <c>lvextend</c> of the requesting host's own LV to
/// the requested (absolute) size, through <see cref="LvmCommand"/>, or nothing at all (no-op).
/// </summary>
internal sealed class MailboxLvHandler(LvmCommand? lvm, string vg) : IMailHandler
{
    private const long MiB = 1024 * 1024;

    public async Task<long> ExtendAsync(int hostId, ExtendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (lvm is not null)
        {
            await lvm.LvExtendAsync(vg, MailboxBenchRig.LvName(hostId), request.NewSizeMiB * MiB, cancellationToken).ConfigureAwait(false);
        }

        return request.NewSizeMiB;
    }
}
