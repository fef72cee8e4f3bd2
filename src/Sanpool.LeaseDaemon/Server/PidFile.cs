using System.Globalization;
using System.Text;
using Sanpool.Core;

namespace Sanpool.LeaseDaemon.Server;

/// <summary>
/// RUN_DIR/sanpool-leased.pid, held open with an exclusive lock for the daemon's life: a second
/// daemon on the same run directory fails at once instead of stealing the socket.
/// </summary>
internal sealed class PidFile : IAsyncDisposable
{
    private readonly FileStream _stream;

    private PidFile(string path, FileStream stream)
    {
        Path = path;
        _stream = stream;
    }

    public string Path { get; }

    public static async Task<PidFile> AcquireAsync(string path, CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            // FileShare.None takes an exclusive flock on Linux, released when we exit, however we exit.
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new SanpoolException(LeaseDaemonErrors.AlreadyRunning, $"another lease daemon holds {path}: {e.Message}");
        }

        stream.SetLength(0);
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "\n"), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        return new PidFile(path, stream);
    }

    public async ValueTask DisposeAsync()
    {
        File.Delete(Path);
        await _stream.DisposeAsync().ConfigureAwait(false);
    }
}
