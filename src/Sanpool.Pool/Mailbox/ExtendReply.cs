namespace Sanpool.Pool.Mailbox;

/// <summary>
/// The SPM's answer to an <see cref="ExtendRequest"/>: the LV's size after the extension in
/// MiB, or 0 when it failed (the VG is full, the volume is gone). <paramref name="Slot"/> is the
/// mailbox slot the reply came in (for logs and tests).
/// </summary>
public sealed record ExtendReply(ExtendRequest Request, long SizeMiB, int Slot)
{
    public bool Succeeded => SizeMiB > 0;
}
