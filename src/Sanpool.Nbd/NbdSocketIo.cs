using System.Net.Sockets;

namespace Sanpool.Nbd;

/// <summary>Whole-message reads and writes on a connected stream socket.</summary>
internal static class NbdSocketIo
{
    /// <summary>
    /// Fills <paramref name="buffer"/>. Returns false if the peer closed before sending a single
    /// byte (a clean end between messages); throws <see cref="EndOfStreamException"/> if it closed
    /// part way through.
    /// </summary>
    public static async ValueTask<bool> ReceiveExactlyAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = await socket.ReceiveAsync(buffer[done..], SocketFlags.None, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                return done == 0 ? false : throw new EndOfStreamException($"peer closed after {done} of {buffer.Length} bytes");
            }

            done += n;
        }

        return true;
    }

    /// <summary>Fills <paramref name="buffer"/> or throws <see cref="EndOfStreamException"/>.</summary>
    public static async ValueTask ReceiveAllAsync(Socket socket, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (buffer.Length > 0 && !await ReceiveExactlyAsync(socket, buffer, cancellationToken).ConfigureAwait(false))
        {
            throw new EndOfStreamException($"peer closed before {buffer.Length} expected bytes");
        }
    }

    /// <summary>Reads and drops <paramref name="length"/> bytes, <paramref name="scratch"/> at a time.</summary>
    public static async ValueTask DiscardAsync(Socket socket, long length, Memory<byte> scratch, CancellationToken cancellationToken)
    {
        while (length > 0)
        {
            int chunk = (int)Math.Min(length, scratch.Length);
            await ReceiveAllAsync(socket, scratch[..chunk], cancellationToken).ConfigureAwait(false);
            length -= chunk;
        }
    }

    public static async ValueTask SendAllAsync(Socket socket, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        while (!data.IsEmpty)
        {
            int n = await socket.SendAsync(data, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            data = data[n..];
        }
    }
}
