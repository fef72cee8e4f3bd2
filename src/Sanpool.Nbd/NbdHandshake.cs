using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Sanpool.Nbd;

/// <summary>
/// The fixed newstyle handshake of one connection (proto.md "Fixed newstyle negotiation"):
/// the greeting, the client's flags, then options until NBD_OPT_EXPORT_NAME or NBD_OPT_GO picks
/// an export. NBD_OPT_INFO and NBD_OPT_GO answer NBD_INFO_EXPORT and NBD_INFO_BLOCK_SIZE (the
/// latter always, so qemu aligns its requests to the export's minimum); NBD_OPT_LIST names the
/// exports; NBD_OPT_ABORT is acknowledged; every other option (structured replies, TLS, meta
/// contexts) gets NBD_REP_ERR_UNSUP and the client carries on with simple replies.
/// </summary>
internal sealed class NbdHandshake(Socket socket, NbdServer server)
{
    private bool _noZeroes;

    /// <summary>The export chosen, or null when the client aborted or left.</summary>
    /// <exception cref="NbdProtocolException">The client broke the protocol; hard-disconnect it.</exception>
    public async Task<INbdExport?> RunAsync(CancellationToken cancellationToken)
    {
        byte[] greeting = new byte[NbdWire.GreetingSize];
        NbdWire.WriteGreeting(greeting, NbdProtocol.FlagFixedNewstyle | NbdProtocol.FlagNoZeroes);
        await NbdSocketIo.SendAllAsync(socket, greeting, cancellationToken).ConfigureAwait(false);
        byte[] head = new byte[NbdWire.OptionHeaderSize];
        if (!await NbdSocketIo.ReceiveExactlyAsync(socket, head.AsMemory(0, 4), cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        uint clientFlags = BinaryPrimitives.ReadUInt32BigEndian(head);
        if ((clientFlags & ~NbdProtocol.KnownClientFlags) != 0)
        {
            // "the server MUST close the TCP connection if it does not recognize the client's flags"
            throw new NbdProtocolException($"unknown client flags 0x{clientFlags:x8}");
        }

        _noZeroes = (clientFlags & NbdProtocol.ClientFlagNoZeroes) != 0;
        while (true)
        {
            if (!await NbdSocketIo.ReceiveExactlyAsync(socket, head, cancellationToken).ConfigureAwait(false))
            {
                return null;
            }

            var (magic, option, length) = NbdWire.ReadOptionHeader(head);
            if (magic != NbdProtocol.IHaveOpt)
            {
                throw new NbdProtocolException($"bad option magic 0x{magic:x16}");
            }

            if (length > NbdProtocol.MaxOptionLength)
            {
                throw new NbdProtocolException($"option {option} of {length} bytes is over the {NbdProtocol.MaxOptionLength}-byte limit");
            }

            byte[] data = new byte[length];
            await NbdSocketIo.ReceiveAllAsync(socket, data, cancellationToken).ConfigureAwait(false);
            var (done, export) = await HandleOptionAsync(option, data, cancellationToken).ConfigureAwait(false);
            if (done)
            {
                return export;
            }
        }
    }

    private async Task<(bool Done, INbdExport? Export)> HandleOptionAsync(uint option, byte[] data, CancellationToken cancellationToken)
    {
        switch (option)
        {
            case NbdProtocol.OptExportName:
                return (true, await ExportNameAsync(data, cancellationToken).ConfigureAwait(false));
            case NbdProtocol.OptAbort:
                await TryReplyAsync(option, NbdProtocol.RepAck, cancellationToken).ConfigureAwait(false);
                return (true, null);
            case NbdProtocol.OptList:
                await ListAsync(data, cancellationToken).ConfigureAwait(false);
                return (false, null);
            case NbdProtocol.OptInfo or NbdProtocol.OptGo:
                var export = await InfoAsync(option, data, cancellationToken).ConfigureAwait(false);
                return option == NbdProtocol.OptGo && export is not null ? (true, export) : (false, null);
            default:
                await ReplyAsync(option, NbdProtocol.RepErrUnsup, Encoding.UTF8.GetBytes($"option {option} is not supported"), cancellationToken).ConfigureAwait(false);
                return (false, null);
        }
    }

    /// <summary>NBD_OPT_EXPORT_NAME cannot be answered with an error: an unknown name ends the session.</summary>
    private async Task<INbdExport> ExportNameAsync(byte[] data, CancellationToken cancellationToken)
    {
        string name = Encoding.UTF8.GetString(data);
        var export = server.FindExport(name) ?? throw new NbdProtocolException($"NBD_OPT_EXPORT_NAME of unknown export '{name}'");
        byte[] reply = new byte[NbdWire.ExportNameReplySize + NbdProtocol.ExportNameZeroes];
        int n = NbdWire.WriteExportNameReply(reply, (ulong)export.Size, server.TransmissionFlags(export), zeroes: !_noZeroes);
        await NbdSocketIo.SendAllAsync(socket, reply.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
        return export;
    }

    private async Task ListAsync(byte[] data, CancellationToken cancellationToken)
    {
        if (data.Length != 0)
        {
            await ReplyAsync(NbdProtocol.OptList, NbdProtocol.RepErrInvalid, [], cancellationToken).ConfigureAwait(false);
            return;
        }

        foreach (string name in server.ExportNames())
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(name);
            byte[] entry = new byte[4 + utf8.Length];
            BinaryPrimitives.WriteUInt32BigEndian(entry, (uint)utf8.Length);
            utf8.CopyTo(entry, 4);
            await ReplyAsync(NbdProtocol.OptList, NbdProtocol.RepServer, entry, cancellationToken).ConfigureAwait(false);
        }

        await ReplyAsync(NbdProtocol.OptList, NbdProtocol.RepAck, [], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// NBD_OPT_INFO / NBD_OPT_GO data: u32 name length, name, u16 request count, u16 info types.
    /// The info requests only say what the client wants most; this server always sends both
    /// INFO_EXPORT and INFO_BLOCK_SIZE, which the spec allows.
    /// </summary>
    private async Task<INbdExport?> InfoAsync(uint option, byte[] data, CancellationToken cancellationToken)
    {
        if (!TryParseInfoRequest(data, out string name))
        {
            await ReplyAsync(option, NbdProtocol.RepErrInvalid, Encoding.UTF8.GetBytes("malformed NBD_OPT_INFO/GO data"), cancellationToken).ConfigureAwait(false);
            return null;
        }

        var export = server.FindExport(name);
        if (export is null)
        {
            await ReplyAsync(option, NbdProtocol.RepErrUnknown, Encoding.UTF8.GetBytes($"export '{name}' not found"), cancellationToken).ConfigureAwait(false);
            return null;
        }

        byte[] info = new byte[NbdWire.InfoExportSize];
        NbdWire.WriteInfoExport(info, (ulong)export.Size, server.TransmissionFlags(export));
        await ReplyAsync(option, NbdProtocol.RepInfo, info, cancellationToken).ConfigureAwait(false);
        var (minimum, preferred, maximum) = server.BlockSizes(export);
        info = new byte[NbdWire.InfoBlockSizeSize];
        NbdWire.WriteInfoBlockSize(info, minimum, preferred, maximum);
        await ReplyAsync(option, NbdProtocol.RepInfo, info, cancellationToken).ConfigureAwait(false);
        await ReplyAsync(option, NbdProtocol.RepAck, [], cancellationToken).ConfigureAwait(false);
        return export;
    }

    private static bool TryParseInfoRequest(byte[] data, out string name)
    {
        name = "";
        if (data.Length < 6)
        {
            return false;
        }

        uint nameLength = BinaryPrimitives.ReadUInt32BigEndian(data);
        if (nameLength > NbdProtocol.MaxStringLength || nameLength > (uint)data.Length - 6)
        {
            return false;
        }

        int countAt = 4 + (int)nameLength;
        int requests = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(countAt));
        if (data.Length != countAt + 2 + (2 * requests))
        {
            return false;
        }

        name = Encoding.UTF8.GetString(data, 4, (int)nameLength);
        return true;
    }

    private async Task ReplyAsync(uint option, uint replyType, byte[] data, CancellationToken cancellationToken)
    {
        byte[] message = new byte[NbdWire.OptionReplyHeaderSize + data.Length];
        NbdWire.WriteOptionReplyHeader(message, option, replyType, data.Length);
        data.CopyTo(message, NbdWire.OptionReplyHeaderSize);
        await NbdSocketIo.SendAllAsync(socket, message, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The ACK of NBD_OPT_ABORT: the client may already be gone, which is fine.</summary>
    private async Task TryReplyAsync(uint option, uint replyType, CancellationToken cancellationToken)
    {
        try
        {
            await ReplyAsync(option, replyType, [], cancellationToken).ConfigureAwait(false);
        }
        catch (SocketException)
        {
        }
    }
}
