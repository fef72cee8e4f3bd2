namespace Sanpool.Bench;

/// <summary>How one qemu-io write ended (<see cref="QemuIoReply"/>); <see cref="Other"/> is not an ending.</summary>
internal enum QemuIoOutcome
{
    Other,
    Wrote,
    NoSpace,
    Failed,
}
