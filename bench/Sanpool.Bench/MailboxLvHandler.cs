using System.Diagnostics;
using Sanpool.Pool.Mailbox;
using Sanpool.Storage.Lvm;

namespace Sanpool.Bench;

/// <summary>
/// The mailbox suite's SPM handler: a real <c>lvextend</c> of the requested volume's LV (named
/// by its UUID) to the requested (absolute) size, through <see cref="LvmCommand"/>, or nothing
/// at all (no-op). With <paramref name="stamps"/> it notes when it was entered and when it was
/// done, so the split series can tell the mailbox's time from the handler's.
/// </summary>
internal sealed class MailboxLvHandler(LvmCommand? lvm, string vg, HandlerStamps? stamps = null) : IMailHandler
{
    private const long MiB = 1024 * 1024;

    public async Task<long> ExtendAsync(int hostId, ExtendRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        long entered = Stopwatch.GetTimestamp();
        if (lvm is not null)
        {
            await lvm.LvExtendAsync(vg, request.Volume.ToString(), request.NewSizeMiB * MiB, cancellationToken).ConfigureAwait(false);
        }

        stamps?.Record(hostId, entered, Stopwatch.GetTimestamp());
        return request.NewSizeMiB;
    }
}
