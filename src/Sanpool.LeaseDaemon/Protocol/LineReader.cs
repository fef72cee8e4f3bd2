using System.Text;
using Sanpool.Core;

namespace Sanpool.LeaseDaemon.Protocol;

/// <summary>
/// Reads newline-terminated UTF-8 lines from a stream, refusing any line longer than a limit
/// so that a peer cannot make the daemon buffer without end.
/// </summary>
internal sealed class LineReader(Stream stream, int maxLineBytes = LineReader.DefaultMaxLine)
{
    public const int DefaultMaxLine = 1 << 20;

    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    /// <summary>The next line without its terminator, or null at the end of the stream.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                string line = Encoding.UTF8.GetString(_buffer, _start, newline - _start);
                _start = newline + 1;
                return line.TrimEnd('\r');
            }

            if (_end - _start >= maxLineBytes)
            {
                throw new SanpoolException(LeaseDaemonErrors.BadRequest, $"line longer than {maxLineBytes} bytes");
            }

            MakeRoom();
            int n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                // A last line without a newline still counts; then the end.
                if (_end == _start)
                {
                    return null;
                }

                string tail = Encoding.UTF8.GetString(_buffer, _start, _end - _start);
                _start = _end;
                return tail;
            }

            _end += n;
        }
    }

    private void MakeRoom()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Min(_buffer.Length * 2, maxLineBytes + 1));
        }
    }
}
