using System.Net.Sockets;
using Sanpool.Core;
using Sanpool.LeaseDaemon.Server;

namespace Sanpool.LeaseDaemon;

/// <summary>
/// One host's lease daemon (as the sanlock daemon): joins lockspaces and keeps renewing the host
/// ids, acquires resources for registered client processes and ties each resource to its
/// client's life, and fences holders that must not go on holding leases.
/// <list type="bullet">
/// <item>A client's connection closes (it exited or was killed): its resources are released.</item>
/// <item>A lockspace fails (no renewal for id_renewal_fail, or our record overwritten): every
/// client holding resources in it gets SIGTERM, then SIGKILL after the kill grace, all before
/// host_dead, when other hosts may take the leases; those leases are never released on disk.</item>
/// <item>A holder stays stopped (or misses its heartbeat) past a threshold: SIGKILL, and its
/// leases are released only once it is seen dead.</item>
/// </list>
/// Clients talk to it over RUN_DIR/sanpool-leased.sock (see <see cref="Protocol.Verbs"/>).
/// Runs in-process (tests give it devices through <see cref="LeaseDaemonOptions.Opener"/>) or
/// as <c>sanpool leased</c>.
/// </summary>
public sealed class LeaseDaemon : IAsyncDisposable
{
    private readonly LeaseDaemonOptions _options;
    private readonly CancellationTokenSource _stopping = new();
    private readonly DaemonServices _services;
    private Socket? _listener;
    private PidFile? _pidFile;
    private int _state; // 0 new, 1 started, 2 stopped

    public LeaseDaemon(LeaseDaemonOptions options)
    {
        Leases.OnDisk.LeaseNames.Validate(options.HostName, "host");
        _options = options;
        _services = new DaemonServices(options, _stopping.Token);
    }

    public string SocketPath => LeaseDaemonPaths.Socket(_options.RunDirectory);

    public string HostName => _options.HostName;

    /// <summary>Creates the run directory, takes the pid file, listens, and starts the holder monitor.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0)
        {
            throw new InvalidOperationException("a lease daemon is started once");
        }

        Directory.CreateDirectory(_options.RunDirectory);
        if (_options.UsePidFile)
        {
            _pidFile = await PidFile.AcquireAsync(LeaseDaemonPaths.PidFile(_options.RunDirectory), cancellationToken).ConfigureAwait(false);
        }

        // We hold the pid file, so a socket file left here belongs to a daemon that died.
        File.Delete(SocketPath);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            _listener.Bind(new UnixDomainSocketEndPoint(SocketPath));
            _listener.Listen(128);
        }
        catch (SocketException e)
        {
            throw new SanpoolException(LeaseDaemonErrors.AlreadyRunning, $"cannot listen on {SocketPath}: {e.Message}");
        }

        var router = RequestRouter.CreateDefault();
        var listener = _listener;
        _services.Tasks.Run("accept", () => AcceptLoopAsync(listener, router));
        _services.Tasks.Run("holder monitor", () => new HolderMonitor(_services).RunAsync(_stopping.Token));
        DaemonLog.Started(_services.Logger, HostName, SocketPath, Environment.ProcessId);
    }

    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled (SIGTERM), then stops cleanly.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await StartAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await StopAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Stops: no new connections; every client's resources released (a fenced holder's only if
    /// it was seen dead); every lockspace left, except one whose leases could not all be released.
    /// </summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _state, 2) != 1)
        {
            return;
        }

        DaemonLog.Stopping(_services.Logger, HostName);
        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener?.Dispose();
        await _services.Tasks.WhenAllAsync().ConfigureAwait(false);
        await _services.Lockspaces.StopAllAsync().ConfigureAwait(false);
        File.Delete(SocketPath);
        if (_pidFile is not null)
        {
            await _pidFile.DisposeAsync().ConfigureAwait(false);
        }

        DaemonLog.Stopped(_services.Logger, HostName);
    }

    private async Task AcceptLoopAsync(Socket listener, RequestRouter router)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException && _stopping.IsCancellationRequested)
            {
                return;
            }

            var connection = new ClientConnection(socket, _services, router);
            _services.Tasks.Run("connection", connection.RunAsync);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
