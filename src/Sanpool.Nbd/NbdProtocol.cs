namespace Sanpool.Nbd;

/// <summary>
/// The numbers of the NBD protocol (NetworkBlockDevice/nbd doc/proto.md) that this server
/// speaks: fixed newstyle handshake, the options it answers, simple replies only. All of the
/// protocol is big-endian ("network byte order") on the wire.
/// </summary>
internal static class NbdProtocol
{
    // Handshake.
    public const ulong NbdMagic = 0x4e42444d41474943;      // "NBDMAGIC"
    public const ulong IHaveOpt = 0x49484156454F5054;      // "IHAVEOPT", also every option's magic
    public const ulong OptionReplyMagic = 0x0003e889045565a9;
    public const ushort FlagFixedNewstyle = 1;
    public const ushort FlagNoZeroes = 2;
    public const uint ClientFlagFixedNewstyle = 1;
    public const uint ClientFlagNoZeroes = 2;
    public const uint KnownClientFlags = ClientFlagFixedNewstyle | ClientFlagNoZeroes;

    /// <summary>The reserved zeroes after an NBD_OPT_EXPORT_NAME reply, unless NO_ZEROES was agreed.</summary>
    public const int ExportNameZeroes = 124;

    // Options.
    public const uint OptExportName = 1;
    public const uint OptAbort = 2;
    public const uint OptList = 3;
    public const uint OptInfo = 6;
    public const uint OptGo = 7;

    // Option replies; errors have bit 31 set.
    public const uint RepAck = 1;
    public const uint RepServer = 2;
    public const uint RepInfo = 3;
    public const uint RepErrUnsup = 0x80000001;
    public const uint RepErrInvalid = 0x80000003;
    public const uint RepErrUnknown = 0x80000006;
    public const uint RepErrShutdown = 0x80000007;

    // NBD_REP_INFO types.
    public const ushort InfoExport = 0;
    public const ushort InfoBlockSize = 3;

    // Transmission flags.
    public const ushort TxHasFlags = 1 << 0;
    public const ushort TxReadOnly = 1 << 1;
    public const ushort TxSendFlush = 1 << 2;
    public const ushort TxSendFua = 1 << 3;
    public const ushort TxSendTrim = 1 << 5;
    public const ushort TxSendWriteZeroes = 1 << 6;
    public const ushort TxCanMultiConn = 1 << 8;

    // Transmission.
    public const uint RequestMagic = 0x25609513;
    public const uint SimpleReplyMagic = 0x67446698;
    public const int RequestSize = 28;
    public const int SimpleReplySize = 16;

    public const ushort CmdRead = 0;
    public const ushort CmdWrite = 1;
    public const ushort CmdDisc = 2;
    public const ushort CmdFlush = 3;
    public const ushort CmdTrim = 4;
    public const ushort CmdWriteZeroes = 6;

    public const ushort CmdFlagFua = 1 << 0;
    public const ushort CmdFlagNoHole = 1 << 1;

    /// <summary>Strings (export names, messages) are at most 4096 bytes (proto.md, "Conventions").</summary>
    public const int MaxStringLength = 4096;

    /// <summary>
    /// The largest option payload accepted: NBD_OPT_GO with a 4096-byte name and a generous list
    /// of info requests. A client sending more is hostile or broken and is hard-disconnected.
    /// </summary>
    public const int MaxOptionLength = 4 + MaxStringLength + 2 + (2 * 1024);
}
