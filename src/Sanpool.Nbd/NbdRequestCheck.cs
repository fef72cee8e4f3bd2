namespace Sanpool.Nbd;

/// <summary>
/// The checks every request passes before an export sees it, with the errno the client gets
/// (proto.md "Error values" where it names one; otherwise the choice is said here):
/// <list type="bullet">
/// <item>unknown command, or a flag not defined for the command: EINVAL (spec);</item>
/// <item>write, trim or write-zeroes on a read-only export: EPERM (spec);</item>
/// <item>zero length of read, write, trim or write-zeroes: EINVAL (nothing to do; no client sends it);</item>
/// <item>a read or write longer than the advertised maximum block size: EOVERFLOW ("value too
///   large"; the write's payload is still read and dropped, so the stream stays in step);</item>
/// <item>offset or length not a multiple of the export's minimum block size: EINVAL;</item>
/// <item>a write or write-zeroes reaching past the end: ENOSPC (spec: "a write request including
///   one or more sectors beyond the size of the device"), as a too-small disk answers;</item>
/// <item>a read or trim reaching past the end: EINVAL.</item>
/// </list>
/// Flush ignores its offset and length (reserved, "MUST be zero", harmless if not).
/// </summary>
internal static class NbdRequestCheck
{
    public static NbdErrno Check(in NbdRequest request, INbdExport export, int maxPayload)
    {
        ushort allowedFlags = request.Type switch
        {
            NbdProtocol.CmdRead or NbdProtocol.CmdFlush => 0,
            NbdProtocol.CmdWrite or NbdProtocol.CmdTrim => NbdProtocol.CmdFlagFua,
            NbdProtocol.CmdWriteZeroes => NbdProtocol.CmdFlagFua | NbdProtocol.CmdFlagNoHole,
            _ => ushort.MaxValue,
        };
        if (allowedFlags == ushort.MaxValue || (request.Flags & ~allowedFlags) != 0)
        {
            return NbdErrno.EINVAL;
        }

        if (request.Type == NbdProtocol.CmdFlush)
        {
            return NbdErrno.None;
        }

        bool writes = request.Type != NbdProtocol.CmdRead;
        if (writes && export.ReadOnly)
        {
            return NbdErrno.EPERM;
        }

        if (request.Length == 0)
        {
            return NbdErrno.EINVAL;
        }

        bool hasPayload = request.Type is NbdProtocol.CmdRead or NbdProtocol.CmdWrite;
        if (hasPayload && request.Length > (uint)maxPayload)
        {
            return NbdErrno.EOVERFLOW;
        }

        uint block = (uint)export.MinimumBlockSize;
        if (request.Offset % block != 0 || request.Length % block != 0)
        {
            return NbdErrno.EINVAL;
        }

        // offset + length cannot overflow: length < 2^32 and an offset this large is past any end.
        bool pastEnd = request.Offset > (ulong)export.Size || request.Length > (ulong)export.Size - request.Offset;
        if (pastEnd)
        {
            return request.Type is NbdProtocol.CmdWrite or NbdProtocol.CmdWriteZeroes ? NbdErrno.ENOSPC : NbdErrno.EINVAL;
        }

        return NbdErrno.None;
    }
}
