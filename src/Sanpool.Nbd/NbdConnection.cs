using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace Sanpool.Nbd;

/// <summary>
/// The transmission phase of one client on one export (proto.md "Transmission"). One reader
/// loop takes requests off the socket in order, checks each (<see cref="NbdRequestCheck"/>),
/// reads a write's payload straight into a pooled buffer, and hands the request to the thread
/// pool, so that up to <see cref="NbdServerOptions.MaxInFlight"/> requests run at once, as qemu
/// pipelines them. Replies go out one at a time under a lock, in completion order (the spec lets
/// replies come in any order; the handle pairs them up).
/// <para>
/// Ending: NBD_CMD_DISC, the client closing, a stop (export removed, server disposed) or a
/// protocol failure ends the reader; then the requests already taken are finished and answered
/// ("the server MUST handle all outstanding requests") before the socket is closed. An abort
/// (a stop that overran its deadline) cancels the export calls and closes the socket at once.
/// </para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "its semaphores and token sources hold nothing to release: no AvailableWaitHandle, no CancelAfter timer; they live as long as the object")]
internal sealed class NbdConnection
{
    private readonly Socket _socket;
    private readonly NbdServer _server;
    private readonly INbdExport _export;
    private readonly CancellationTokenSource _stopReading = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly SemaphoreSlim _inFlight;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly byte[] _replyHeader = new byte[NbdProtocol.SimpleReplySize];
    private readonly int _maxInFlight;
    private readonly Lock _gate = new();
    private Task<string>? _run;

    public NbdConnection(long id, Socket socket, NbdServer server, INbdExport export)
    {
        Id = id;
        _socket = socket;
        _server = server;
        _export = export;
        _maxInFlight = server.Options.MaxInFlight;
        _inFlight = new SemaphoreSlim(_maxInFlight, _maxInFlight);
    }

    public long Id { get; }

    public string ExportName => _export.Name;

    /// <summary>Serves until the session ends; returns why it ended. The socket is closed on return.</summary>
    public Task<string> RunAsync()
    {
        // The server's serving task and a concurrent stop may both ask; only one loop may run.
        lock (_gate)
        {
            return _run ??= RunCoreAsync();
        }
    }

    /// <summary>Stops taking requests, finishes those taken; if <paramref name="cancellationToken"/> fires first, aborts them.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopReading.CancelAsync().ConfigureAwait(false);
        var run = RunAsync();
        try
        {
            await run.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            await AbortAsync().ConfigureAwait(false);
            await run.ConfigureAwait(false);
        }
    }

    private async Task AbortAsync()
    {
        await _stopReading.CancelAsync().ConfigureAwait(false);
        await _abort.CancelAsync().ConfigureAwait(false);
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task<string> RunCoreAsync()
    {
        await Task.Yield();

        // Tied to the server's shutdown, so that a connection that got past its handshake just as
        // the server began to stop does not keep serving after disposal took its snapshot. Undone
        // at the end: a registration left behind would keep every closed connection alive.
        using var onShutdown = _server.ShutdownToken.Register(() => _stopReading.Cancel());
        string reason;
        try
        {
            reason = await ReadRequestsAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopReading.IsCancellationRequested)
        {
            reason = _abort.IsCancellationRequested ? "aborted" : "stopped by the server";
        }
        catch (Exception e) when (e is NbdProtocolException or EndOfStreamException)
        {
            // A garbled header or a client gone part way through a write's payload: the stream
            // cannot be followed any further, so this connection (and only it) ends.
            reason = $"protocol failure: {e.Message}";
            if (_server.Throttle.ShouldLog($"protocol:{_export.Name}", out int suppressed))
            {
                NbdLog.ProtocolViolation(_server.Logger, Id, _export.Name, e.Message, suppressed);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            reason = $"socket error: {e.Message}";
        }

        await DrainAsync().ConfigureAwait(false);
        _socket.Dispose();
        return reason;
    }

    private async Task<string> ReadRequestsAsync()
    {
        byte[] header = new byte[NbdRequest.Size];
        var token = _stopReading.Token;
        while (true)
        {
            await _inFlight.WaitAsync(token).ConfigureAwait(false);
            bool dispatched = false;
            try
            {
                if (!await NbdSocketIo.ReceiveExactlyAsync(_socket, header, token).ConfigureAwait(false))
                {
                    return "client closed the connection";
                }

                var request = NbdRequest.Read(header);
                if (request.Magic != NbdProtocol.RequestMagic)
                {
                    throw new NbdProtocolException($"bad request magic 0x{request.Magic:x8}");
                }

                if (request.Type == NbdProtocol.CmdDisc)
                {
                    return "NBD_CMD_DISC";
                }

                dispatched = await AcceptAsync(request, token).ConfigureAwait(false);
            }
            finally
            {
                if (!dispatched)
                {
                    _inFlight.Release();
                }
            }
        }
    }

    /// <summary>Checks one request and starts it; returns false if it was answered here (an error) instead.</summary>
    private async Task<bool> AcceptAsync(NbdRequest request, CancellationToken token)
    {
        var errno = NbdRequestCheck.Check(request, _export, _server.Options.MaxPayload);
        NbdBuffer? payload = null;
        if (request.Type == NbdProtocol.CmdWrite)
        {
            if (errno != NbdErrno.None)
            {
                // The payload follows the header whatever we think of the request; drop it to stay in step.
                var scratch = _server.Pool.Rent(64 * 1024);
                try
                {
                    await NbdSocketIo.DiscardAsync(_socket, request.Length, scratch.Data, token).ConfigureAwait(false);
                }
                finally
                {
                    _server.Pool.Return(scratch);
                }
            }
            else
            {
                payload = _server.Pool.Rent((int)request.Length);
                try
                {
                    await NbdSocketIo.ReceiveAllAsync(_socket, payload.Data[..(int)request.Length], token).ConfigureAwait(false);
                }
                catch
                {
                    _server.Pool.Return(payload);
                    throw;
                }
            }
        }

        if (errno != NbdErrno.None)
        {
            await ReplyAsync(request.Handle, errno).ConfigureAwait(false);
            return false;
        }

        _ = Task.Run(() => HandleAsync(request, payload), CancellationToken.None);
        return true;
    }

    /// <summary>Runs one checked request in the export and answers it; owns (and returns) its buffer and its in-flight slot.</summary>
    private async Task HandleAsync(NbdRequest request, NbdBuffer? buffer)
    {
        try
        {
            int length = (int)request.Length;
            NbdErrno errno = NbdErrno.None;
            try
            {
                if (request.Type == NbdProtocol.CmdRead)
                {
                    buffer = _server.Pool.Rent(length);
                }

                await ExecuteAsync(request, buffer, _abort.Token).ConfigureAwait(false);
            }
            catch (NbdExportException e)
            {
                errno = e.Errno == NbdErrno.None ? NbdErrno.EIO : e.Errno;
            }
            catch (OperationCanceledException) when (_abort.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                errno = NbdErrno.EIO;
                if (_server.Throttle.ShouldLog($"export:{_export.Name}:{e.GetType().Name}", out int suppressed))
                {
                    NbdLog.ExportFailed(_server.Logger, e, _export.Name, CommandName(request.Type), request.Length, request.Offset, suppressed);
                }
            }

            if (errno == NbdErrno.None && request.Type == NbdProtocol.CmdRead)
            {
                // The header goes in the room just before the data: one send for both.
                var framed = buffer!.Framed(NbdProtocol.SimpleReplySize, length);
                NbdWire.WriteSimpleReply(framed.Span, errno, request.Handle);
                await SendAsync(framed).ConfigureAwait(false);
            }
            else
            {
                // A failed read sends no data: "it MUST NOT send any payload for this request".
                await ReplyAsync(request.Handle, errno).ConfigureAwait(false);
            }
        }
        finally
        {
            if (buffer is not null)
            {
                _server.Pool.Return(buffer);
            }

            _inFlight.Release();
        }
    }

    private async ValueTask ExecuteAsync(NbdRequest request, NbdBuffer? buffer, CancellationToken token)
    {
        int length = (int)request.Length;
        long offset = (long)request.Offset;
        bool fua = (request.Flags & NbdProtocol.CmdFlagFua) != 0;
        switch (request.Type)
        {
            case NbdProtocol.CmdRead:
                await _export.ReadAsync(offset, buffer!.Data[..length], token).ConfigureAwait(false);
                break;
            case NbdProtocol.CmdWrite:
                await _export.WriteAsync(offset, buffer!.Data[..length], fua, token).ConfigureAwait(false);
                break;
            case NbdProtocol.CmdFlush:
                await _export.FlushAsync(token).ConfigureAwait(false);
                break;
            case NbdProtocol.CmdTrim:
                await _export.TrimAsync(offset, length, token).ConfigureAwait(false);
                await FlushIfAsync(fua, token).ConfigureAwait(false);
                break;
            default:
                bool mayTrim = (request.Flags & NbdProtocol.CmdFlagNoHole) == 0;
                await _export.WriteZeroesAsync(offset, length, mayTrim, token).ConfigureAwait(false);
                await FlushIfAsync(fua, token).ConfigureAwait(false);
                break;
        }
    }

    private ValueTask FlushIfAsync(bool fua, CancellationToken token) => fua ? _export.FlushAsync(token) : ValueTask.CompletedTask;

    /// <summary>A simple reply without data, from the connection's own header buffer (under the send lock).</summary>
    private Task ReplyAsync(ulong handle, NbdErrno errno) => SendAsync(ReadOnlyMemory<byte>.Empty, handle, errno);

    /// <summary>
    /// Sends one whole reply under the send lock: <paramref name="message"/> as it is, or when it
    /// is empty a simple reply of <paramref name="errno"/> for <paramref name="handle"/>. A reply
    /// that cannot be sent means the client is gone: the reader is stopped, and the other
    /// replies fail the same way.
    /// </summary>
    private async Task SendAsync(ReadOnlyMemory<byte> message, ulong handle = 0, NbdErrno errno = NbdErrno.None)
    {
        try
        {
            await _sendLock.WaitAsync(_abort.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            if (message.IsEmpty)
            {
                NbdWire.WriteSimpleReply(_replyHeader, errno, handle);
                message = _replyHeader;
            }

            await NbdSocketIo.SendAllAsync(_socket, message, _abort.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            await _stopReading.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Waits until every request taken has been answered (or, after an abort, has given up).</summary>
    private async Task DrainAsync()
    {
        for (int i = 0; i < _maxInFlight; i++)
        {
            await _inFlight.WaitAsync().ConfigureAwait(false);
        }
    }

    private static string CommandName(ushort type) => type switch
    {
        NbdProtocol.CmdRead => "read",
        NbdProtocol.CmdWrite => "write",
        NbdProtocol.CmdFlush => "flush",
        NbdProtocol.CmdTrim => "trim",
        NbdProtocol.CmdWriteZeroes => "write-zeroes",
        _ => $"command {type}",
    };
}
