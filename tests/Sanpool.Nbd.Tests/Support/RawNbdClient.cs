using System.Buffers.Binary;
using System.Net.Sockets;
using System.Text;

namespace Sanpool.Nbd.Tests.Support;

/// <summary>
/// A hand-driven NBD client on a raw socket, for golden bytes and bad input: every message is
/// built here byte by byte (big-endian, as proto.md), independent of the server's own codecs.
/// </summary>
internal sealed class RawNbdClient : IAsyncDisposable
{
    public const ulong IHaveOpt = 0x49484156454F5054;
    public const ulong OptionReplyMagic = 0x0003e889045565a9;
    public const uint RequestMagic = 0x25609513;
    public const uint SimpleReplyMagic = 0x67446698;

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private RawNbdClient(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    public byte[] Greeting { get; private set; } = [];

    /// <summary>Connects and reads the 18-byte greeting; sends no flags yet.</summary>
    public static async Task<RawNbdClient> ConnectAsync(string socketPath)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        var client = new RawNbdClient(socket);
        client.Greeting = await client.ReceiveAsync(18);
        return client;
    }

    /// <summary>Connects, sends FIXED_NEWSTYLE|NO_ZEROES, and NBD_OPT_GO for <paramref name="export"/>; throws unless ACKed.</summary>
    public static async Task<RawNbdClient> OpenAsync(string socketPath, string export)
    {
        var client = await ConnectAsync(socketPath);
        await client.SendAsync(U32(3));
        var replies = await client.OptionAsync(7, InfoRequest(export, 3));
        if (replies[^1].Type != 1)
        {
            throw new InvalidOperationException($"NBD_OPT_GO for {export} answered 0x{replies[^1].Type:x8}");
        }

        return client;
    }

    public static byte[] U16(ushort v)
    {
        byte[] b = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, v);
        return b;
    }

    public static byte[] U32(uint v)
    {
        byte[] b = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, v);
        return b;
    }

    public static byte[] U64(ulong v)
    {
        byte[] b = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, v);
        return b;
    }

    /// <summary>NBD_OPT_INFO/GO data: name length, name, request count, the requested info types.</summary>
    public static byte[] InfoRequest(string name, params ushort[] infos)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(name);
        return [.. U32((uint)utf8.Length), .. utf8, .. U16((ushort)infos.Length), .. infos.SelectMany(U16)];
    }

    public static byte[] Request(ushort flags, ushort type, ulong handle, ulong offset, uint length) =>
        [.. U32(RequestMagic), .. U16(flags), .. U16(type), .. U64(handle), .. U64(offset), .. U32(length)];

    public Task SendAsync(byte[] bytes) => Socket.SendAsync(bytes, SocketFlags.None).WaitAsync(Timeout);

    public async Task<byte[]> ReceiveAsync(int length)
    {
        byte[] buffer = new byte[length];
        int done = 0;
        using var deadline = new CancellationTokenSource(Timeout);
        while (done < length)
        {
            int n = await Socket.ReceiveAsync(buffer.AsMemory(done), SocketFlags.None, deadline.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"server closed after {done} of {length} bytes");
            }

            done += n;
        }

        return buffer;
    }

    /// <summary>True when the server closes the connection (end of stream) within the timeout.</summary>
    public async Task<bool> ClosedByServerAsync()
    {
        byte[] one = new byte[1];
        using var deadline = new CancellationTokenSource(Timeout);
        try
        {
            return await Socket.ReceiveAsync(one, SocketFlags.None, deadline.Token) == 0;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    /// <summary>Sends an option and reads its replies up to the final one (ACK or an error); returns each reply's type and data.</summary>
    public async Task<List<(uint Type, byte[] Data, byte[] Raw)>> OptionAsync(uint option, byte[] data)
    {
        await SendAsync([.. U64(IHaveOpt), .. U32(option), .. U32((uint)data.Length), .. data]);
        var replies = new List<(uint, byte[], byte[])>();
        while (true)
        {
            byte[] header = await ReceiveAsync(20);
            Assert.Equal(OptionReplyMagic, BinaryPrimitives.ReadUInt64BigEndian(header));
            Assert.Equal(option, BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(8)));
            uint type = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(12));
            byte[] body = await ReceiveAsync((int)BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(16)));
            replies.Add((type, body, [.. header, .. body]));
            if (type != 2 && type != 3)
            {
                return replies;
            }
        }
    }

    /// <summary>Reads one simple reply: (error, handle), checking its magic.</summary>
    public async Task<(uint Error, ulong Handle)> ReplyAsync()
    {
        byte[] reply = await ReceiveAsync(16);
        Assert.Equal(SimpleReplyMagic, BinaryPrimitives.ReadUInt32BigEndian(reply));
        return (BinaryPrimitives.ReadUInt32BigEndian(reply.AsSpan(4)), BinaryPrimitives.ReadUInt64BigEndian(reply.AsSpan(8)));
    }

    /// <summary>One request and its simple reply; a successful read's data is returned too.</summary>
    public async Task<(uint Error, byte[] Data)> CallAsync(ushort type, ulong offset, uint length, byte[]? payload = null, ushort flags = 0, ulong handle = 42)
    {
        await SendAsync([.. Request(flags, type, handle, offset, length), .. payload ?? []]);
        var (error, got) = await ReplyAsync();
        Assert.Equal(handle, got);
        byte[] data = type == 0 && error == 0 ? await ReceiveAsync((int)length) : [];
        return (error, data);
    }

    public async ValueTask DisposeAsync()
    {
        Socket.Dispose();
        await Task.CompletedTask;
    }
}
