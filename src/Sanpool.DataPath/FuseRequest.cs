namespace Sanpool.DataPath;

/// <summary>
/// One request read from /dev/fuse: its header, its body (a slice of the server's read buffer,
/// valid until the request is answered) and the means to answer it exactly once.
/// </summary>
internal sealed class FuseRequest
{
    private readonly FuseServer _server;

    public FuseRequest(FuseServer server, FuseInHeader header, ReadOnlyMemory<byte> body)
    {
        _server = server;
        Header = header;
        Body = body;
    }

    public FuseInHeader Header { get; }

    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>A reply was sent, or the request is one the kernel expects no reply to.</summary>
    public bool Answered { get; private set; }

    /// <summary>Answers with success and <paramref name="body"/> (a reply struct, or read data).</summary>
    public void Reply(ReadOnlySpan<byte> body)
    {
        Answered = true;
        _server.Send(Header, 0, body);
    }

    /// <summary>Answers with an error; the kernel hands -<paramref name="errno"/> to the caller.</summary>
    public void ReplyError(int errno)
    {
        Answered = true;
        _server.Send(Header, -errno, []);
    }

    /// <summary>FORGET, BATCH_FORGET and INTERRUPT: the kernel waits for no reply, and a reply would be an error.</summary>
    public void NoReply() => Answered = true;
}
