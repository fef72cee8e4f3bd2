using Sanpool.Core;

namespace Sanpool.BlockIO;

/// <summary>Block I/O codes, band -300 .. -399.</summary>
public static class BlockIoErrors
{
    public static readonly ErrorCode IoError = new(-301, "IO_ERROR");
    public static readonly ErrorCode IoTimeout = new(-302, "IO_TIMEOUT");
    public static readonly ErrorCode OpenFailed = new(-303, "OPEN_FAILED");
    public static readonly ErrorCode OutOfRange = new(-304, "OUT_OF_RANGE");
    public static readonly ErrorCode Unaligned = new(-305, "IO_UNALIGNED");
}
