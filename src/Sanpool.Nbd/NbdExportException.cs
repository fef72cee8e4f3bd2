namespace Sanpool.Nbd;

/// <summary>An export refusing one request: the client gets <see cref="Errno"/>, the connection stays up.</summary>
public sealed class NbdExportException : IOException
{
    public NbdExportException(NbdErrno errno, string message) : base(message) => Errno = errno;

    public NbdExportException(NbdErrno errno, string message, Exception inner) : base(message, inner) => Errno = errno;

    public NbdExportException() : this(NbdErrno.EIO, "I/O error") { }

    public NbdExportException(string message) : this(NbdErrno.EIO, message) { }

    public NbdExportException(string message, Exception inner) : this(NbdErrno.EIO, message, inner) { }

    public NbdErrno Errno { get; }
}
