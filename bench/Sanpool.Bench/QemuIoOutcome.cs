namespace Sanpool.Bench;

/// <summary>
/// What one line of qemu-io's output says (<see cref="QemuIoReply"/>): a write or read ended
/// (<see cref="Wrote"/>, <see cref="Read"/>, <see cref="NoSpace"/>, <see cref="Failed"/>), a read's
/// pattern check failed (<see cref="Mismatch"/>, printed before that read's "read" line), or
/// anything else (<see cref="Other"/>).
/// </summary>
internal enum QemuIoOutcome
{
    Other,
    Wrote,
    Read,
    NoSpace,
    Failed,
    Mismatch,
}
