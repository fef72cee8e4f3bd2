using System.Diagnostics;
using System.Globalization;
using System.Text;
using Sanpool.Core.Tools;

namespace Sanpool.Bench;

/// <summary>
/// The real <c>qemu-io</c> as a guest's writer: one process, started on an NBD export
/// (<c>qemu-io -f raw nbd+unix:///EXPORT?socket=PATH</c>), fed one <c>write -P</c> command at a
/// time on its stdin; it prints the outcome of each before it reads the next
/// (<see cref="QemuIoReply"/>). The connection stays up for the whole run, as a VM's does.
/// Disposing closes stdin (qemu-io quits) and kills it by pid if it does not.
/// </summary>
internal sealed class QemuIoWriter : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private QemuIoWriter(Process process) => _process = process;

    public static QemuIoWriter Start(string uri)
    {
        var info = new ProcessStartInfo(ToolLocator.TryFind("qemu-io") ?? "qemu-io")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in (string[])["-f", "raw", uri])
        {
            info.ArgumentList.Add(a);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start qemu-io");
        var writer = new QemuIoWriter(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (writer._stderr)
                {
                    writer._stderr.Append(e.Data).Append('\n');
                }
            }
        };
        process.BeginErrorReadLine();
        return writer;
    }

    /// <summary>Writes <paramref name="length"/> bytes of <paramref name="pattern"/> at <paramref name="offset"/>; returns how it ended (wrote, no space, failed).</summary>
    public Task<QemuIoReply> WriteAsync(byte pattern, long offset, long length, CancellationToken cancellationToken) =>
        RunAsync(string.Create(CultureInfo.InvariantCulture, $"write -P {pattern} {offset} {length}"), offset, length, cancellationToken);

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/>; true if every byte is <paramref name="pattern"/>. Throws if the read fails.</summary>
    public async Task<bool> VerifyAsync(byte pattern, long offset, long length, CancellationToken cancellationToken)
    {
        string command = string.Create(CultureInfo.InvariantCulture, $"read -P {pattern} {offset} {length}");
        var reply = await RunAsync(command, offset, length, cancellationToken);
        return reply.Outcome switch
        {
            QemuIoOutcome.Read => true,
            QemuIoOutcome.Mismatch => false,
            _ => throw new InvalidOperationException($"qemu-io failed `{command}`: {reply.Text}"),
        };
    }

    /// <summary>Sends one command and reads its output up to the line that ends it; a pattern mismatch before a "read" line makes the answer <see cref="QemuIoOutcome.Mismatch"/>.</summary>
    private async Task<QemuIoReply> RunAsync(string command, long offset, long length, CancellationToken cancellationToken)
    {
        await _process.StandardInput.WriteLineAsync(command.AsMemory(), cancellationToken);
        await _process.StandardInput.FlushAsync(cancellationToken);
        QemuIoReply? mismatch = null;
        while (true)
        {
            string line = await _process.StandardOutput.ReadLineAsync(cancellationToken)
                          ?? throw new InvalidOperationException($"qemu-io ended during `{command}`: {Stderr()}");
            var reply = QemuIoReply.Parse(line);
            switch (reply.Outcome)
            {
                case QemuIoOutcome.Other:
                    continue;
                case QemuIoOutcome.Mismatch:
                    mismatch = reply;
                    continue;
                case QemuIoOutcome.Wrote or QemuIoOutcome.Read when reply.Offset != offset || reply.Bytes != length:
                    throw new InvalidOperationException($"qemu-io answered `{command}` with `{reply.Text}`: another command's output");
                case QemuIoOutcome.Read when mismatch is not null:
                    return mismatch;
                default:
                    return reply;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.StandardInput.Close();
                using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(3));
                try
                {
                    await _process.WaitForExitAsync(grace.Token);
                }
                catch (OperationCanceledException)
                {
                    // Only this process, by its pid (not its tree, not by name).
                    _process.Kill(entireProcessTree: false);
                    await _process.WaitForExitAsync(CancellationToken.None);
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or IOException)
        {
            // Already gone (or stdin already broken because it died): nothing left to stop.
        }

        _process.Dispose();
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.ToString().Trim();
        }
    }
}
