namespace Sanpool.BlockIO;

/// <summary>Which operations a <see cref="Fault"/> applies to.</summary>
[Flags]
public enum BlockOps
{
    Read = 1,
    Write = 2,
    Any = Read | Write,
}

/// <summary>What a <see cref="Fault"/> does to a matching operation.</summary>
public enum FaultKind
{
    /// <summary>The operation fails with IO_ERROR (as EIO would).</summary>
    Fail,

    /// <summary>The operation completes after <see cref="Fault.Delay"/>.</summary>
    Delay,

    /// <summary>The operation does not return until the fault is removed, as on lost storage.
    /// Cancellation does not unblock it: a hung kernel I/O cannot be cancelled either.</summary>
    Hang,
}

/// <summary>
/// One injected fault: a kind, the operations and byte range it matches, and how many
/// operations it applies to before it lapses.
/// </summary>
public sealed record Fault(FaultKind Kind, BlockOps Ops = BlockOps.Any)
{
    public long Offset { get; init; }

    public long Length { get; init; } = long.MaxValue;

    public TimeSpan Delay { get; init; }

    /// <summary>How many matching operations this fault affects; unlimited by default.</summary>
    public int Count { get; init; } = int.MaxValue;

    public bool Matches(BlockOps op, long offset, int length) =>
        (Ops & op) != 0 && offset < Offset + Length && offset + length > Offset;
}
