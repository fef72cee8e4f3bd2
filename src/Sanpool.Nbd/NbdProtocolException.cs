namespace Sanpool.Nbd;

/// <summary>A client broke the protocol in a way that leaves the stream unreadable: its connection is dropped, no other.</summary>
internal sealed class NbdProtocolException : Exception
{
    public NbdProtocolException(string message) : base(message) { }

    public NbdProtocolException() { }

    public NbdProtocolException(string message, Exception inner) : base(message, inner) { }
}
