using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Sanpool.Core;
using Sanpool.Core.Tools;

namespace Sanpool.Agent.Vm;

/// <summary>
/// One <c>qemu-system-x86_64</c> process booting a kernel and initramfs, with its QMP monitor.
/// qemu starts held (<c>-S</c>) so that nothing the guest does can come before we listen:
/// <see cref="LaunchAsync"/> brings the process and the monitor up, the caller subscribes to
/// events and arms thresholds, then <see cref="ContAsync"/> lets the guest run
/// (<see cref="StartAsync"/> does both at once). <c>-no-reboot -no-shutdown</c>: a guest that
/// powers off stays a stopped qemu, so its statistics can still be read; the owner kills it.
/// Disposing kills the process (with SIGKILL: the guest's state is never worth waiting for).
/// </summary>
public sealed class VmProcess : IAsyncDisposable
{
    /// <summary>sockaddr_un's sun_path holds 108 bytes with the terminating NUL.</summary>
    private const int MaxSocketPath = 107;

    private const int StderrLinesKept = 40;

    private static readonly TimeSpan SerialPollInterval = TimeSpan.FromMilliseconds(100);

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Queue<string> _stderr = new();
    private Process? _process;
    private QmpClient? _qmp;
    private int _disposed;

    private VmProcess(VmOptions options, ILogger logger, TimeProvider time)
    {
        Options = options;
        _logger = logger;
        _time = time;
        Accelerator = options.Accelerator ?? VmAccelerator.Choose();
    }

    public VmOptions Options { get; }

    public string Name => Options.Name;

    /// <summary>The accelerator this VM runs with ("tcg" or "kvm").</summary>
    public string Accelerator { get; }

    public string QmpSocketPath => Path.Combine(Options.RunDirectory, Name + ".qmp");

    public string SerialPath => Path.Combine(Options.RunDirectory, Name + ".serial");

    public int? ProcessId => _process?.Id;

    public bool HasExited => _process is { HasExited: true };

    /// <summary>The monitor; there after <see cref="LaunchAsync"/>.</summary>
    public QmpClient Qmp => _qmp ?? throw new InvalidOperationException($"VM {Name} has not been launched");

    public static VmProcess Create(VmOptions options, ILogger? logger = null, TimeProvider? time = null) =>
        new(options, logger ?? NullLogger.Instance, time ?? TimeProvider.System);

    /// <summary>A VM over a monitor connected elsewhere, without a process of ours (tests with a fake monitor).</summary>
    internal static VmProcess ForMonitor(VmOptions options, QmpClient qmp, ILogger? logger = null, TimeProvider? time = null) =>
        new(options, logger ?? NullLogger.Instance, time ?? TimeProvider.System) { _qmp = qmp };

    /// <summary>The drive with id <paramref name="id"/>.</summary>
    public VmDrive Drive(string id) =>
        Options.Drives.FirstOrDefault(d => d.Id == id) ?? throw new ArgumentException($"VM {Name} has no drive {id}", nameof(id));

    /// <summary>The full argv qemu is started with.</summary>
    public IReadOnlyList<string> CommandLine()
    {
        var o = Options;
        List<string> argv =
        [
            o.QemuBinary,
            "-name", o.Name,
            "-accel", Accelerator,
            "-m", o.MemoryMiB.ToString(CultureInfo.InvariantCulture),
            "-smp", o.Cpus.ToString(CultureInfo.InvariantCulture),
            "-nodefaults", "-no-user-config", "-display", "none",
            "-kernel", o.Kernel,
            "-initrd", o.Initrd,
            "-append", o.Append,
            "-chardev", $"file,id=serial0,path={VmDrive.EscapeOption(SerialPath)}",
            "-serial", "chardev:serial0",
            "-chardev", $"socket,id=qmp0,path={VmDrive.EscapeOption(QmpSocketPath)},server=on,wait=off",
            "-mon", "chardev=qmp0,mode=control",
            "-S", "-no-reboot", "-no-shutdown",
        ];
        foreach (var drive in o.Drives)
        {
            argv.AddRange(drive.Arguments);
        }

        argv.AddRange(o.ExtraArguments);
        return argv;
    }

    /// <summary>Starts qemu (held before the first instruction) and connects its monitor.</summary>
    public async Task LaunchAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_process is not null)
        {
            throw new InvalidOperationException($"VM {Name} was launched already");
        }

        if (QmpSocketPath.Length > MaxSocketPath)
        {
            throw new SanpoolException(VmErrors.VmStartFailed, $"VM {Name}: the QMP socket path {QmpSocketPath} is longer than {MaxSocketPath} bytes");
        }

        Directory.CreateDirectory(Options.RunDirectory);
        File.Delete(QmpSocketPath);
        File.Delete(SerialPath);
        _process = StartProcess();
        try
        {
            _qmp = await ConnectMonitorAsync(cancellationToken).ConfigureAwait(false);
            VmLog.Launched(_logger, Name, _process.Id, Accelerator, _qmp.QemuVersion);
        }
        catch
        {
            await KillAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary><see cref="LaunchAsync"/> (if not done yet), then let the guest run.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_qmp is null)
        {
            await LaunchAsync(cancellationToken).ConfigureAwait(false);
        }

        await ContAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Resumes the guest (after -S, a pause, or an I/O-error stop).</summary>
    public Task ContAsync(CancellationToken cancellationToken) => Qmp.ExecuteAsync("cont", cancellationToken);

    public async Task<VmRunState> QueryStatusAsync(CancellationToken cancellationToken)
    {
        var r = await Qmp.ExecuteAsync("query-status", cancellationToken).ConfigureAwait(false);
        return new VmRunState(r.GetProperty("status").GetString() ?? "", r.GetProperty("running").GetBoolean());
    }

    /// <summary>The end of the highest write to <paramref name="node"/> so far (<c>wr_highest_offset</c>).</summary>
    public async Task<long> QueryHighestWriteAsync(string node, CancellationToken cancellationToken)
    {
        var stats = await Qmp.ExecuteAsync("query-blockstats", new JsonObject { ["query-nodes"] = true }, cancellationToken).ConfigureAwait(false);
        foreach (var entry in stats.EnumerateArray())
        {
            if (entry.TryGetProperty("node-name", out var n) && n.GetString() == node)
            {
                return entry.GetProperty("stats").GetProperty("wr_highest_offset").GetInt64();
            }
        }

        throw new SanpoolException(VmErrors.VmNodeNotFound, $"VM {Name} has no block node {node}");
    }

    /// <summary>
    /// Arms <c>BLOCK_WRITE_THRESHOLD</c> on <paramref name="node"/>: one event when a write ends
    /// past <paramref name="bytes"/>. One-shot: re-arm after each extension. 0 disarms.
    /// </summary>
    public Task SetWriteThresholdAsync(string node, long bytes, CancellationToken cancellationToken) =>
        Qmp.ExecuteAsync("block-set-write-threshold", new JsonObject { ["node-name"] = node, ["write-threshold"] = bytes }, cancellationToken);

    /// <summary>Everything the guest printed on its serial console so far (CRs removed).</summary>
    public string ReadSerial()
    {
        try
        {
            using var stream = new FileStream(SerialPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd().Replace("\r", "", StringComparison.Ordinal);
        }
        catch (FileNotFoundException)
        {
            return "";
        }
    }

    /// <summary>
    /// Waits until the serial console shows a match of <paramref name="pattern"/> and returns it.
    /// VM_EXITED if qemu ends first, VM_SERIAL_TIMEOUT after <paramref name="timeout"/>; both
    /// quote the console's last lines.
    /// </summary>
    public async Task<Match> WaitForSerialAsync(Regex pattern, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        long start = _time.GetTimestamp();
        while (true)
        {
            bool exited = HasExited;
            string text = ReadSerial();
            var match = pattern.Match(text);
            if (match.Success)
            {
                return match;
            }

            if (exited)
            {
                await DrainOutputAsync().ConfigureAwait(false);
                throw new SanpoolException(VmErrors.VmExited, $"VM {Name} exited before its console showed /{pattern}/; {Tail(text)}{StderrText()}");
            }

            if (_time.GetElapsedTime(start) >= timeout)
            {
                throw new SanpoolException(VmErrors.VmSerialTimeout,
                    string.Create(CultureInfo.InvariantCulture, $"VM {Name}: no /{pattern}/ on the console within {timeout.TotalSeconds:0.#} s; {Tail(text)}"),
                    isTransient: true);
            }

            await Task.Delay(SerialPollInterval, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Kills qemu (SIGKILL, with any children) and waits for it to be gone. Never throws.</summary>
    public async Task KillAsync()
    {
        if (_process is not { } process)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                VmLog.Killed(_logger, Name, process.Id);
            }

            using var reap = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(reap.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or Win32Exception)
        {
            // Gone already, or stuck in uninterruptible I/O (a dead NBD server): nothing more to do from here.
        }
    }

    private Process StartProcess()
    {
        Process process;
        try
        {
            // LC_ALL=C: qemu's messages are quoted in errors and read the same everywhere.
            process = ChildProcess.Start(CommandLine(), new ChildProcessOptions
            {
                Environment = new Dictionary<string, string> { ["LC_ALL"] = "C" },
                OnOutputLine = KeepStderr,
                MissingCode = VmErrors.VmStartFailed,
            });
        }
        catch (SanpoolException e) when (e.Code == VmErrors.VmStartFailed)
        {
            throw new SanpoolException(VmErrors.VmStartFailed, $"VM {Name}: {e.Message}", innerException: e.InnerException);
        }

        _ = LogExitAsync(process);
        return process;
    }

    /// <summary>Logs qemu's end with its last output (the wait ends after the output was read to its end).</summary>
    private async Task LogExitAsync(Process process)
    {
        try
        {
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            VmLog.Exited(_logger, Name, SafeExitCode(process), StderrText());
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException)
        {
            // Disposed by DisposeAsync first: the owner is done with this VM.
        }
    }

    /// <summary>Waits for qemu's monitor socket and connects; fails early if qemu exits.</summary>
    private async Task<QmpClient> ConnectMonitorAsync(CancellationToken cancellationToken)
    {
        long start = _time.GetTimestamp();
        while (true)
        {
            if (_process!.HasExited)
            {
                await DrainOutputAsync().ConfigureAwait(false);
                throw new SanpoolException(VmErrors.VmStartFailed,
                    $"VM {Name}: qemu exited with {SafeExitCode(_process)} before its monitor came up{StderrText()}; command: {ExternalCommandLine()}");
            }

            if (File.Exists(QmpSocketPath))
            {
                try
                {
                    return await QmpClient.ConnectAsync(QmpSocketPath, Name, _logger, cancellationToken).ConfigureAwait(false);
                }
                catch (SanpoolException e) when (e.Code == VmErrors.QmpConnectFailed || e.Code == VmErrors.QmpDisconnected)
                {
                    // The socket file exists a moment before qemu listens on it, and a qemu that
                    // refuses its command line closes it again: look at the process, then retry.
                }
            }

            if (_time.GetElapsedTime(start) >= Options.StartTimeout)
            {
                throw new SanpoolException(VmErrors.VmStartFailed,
                    $"VM {Name}: qemu's monitor did not come up within {Options.StartTimeout.TotalSeconds} s{StderrText()}", isTransient: true);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), _time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>After exit: waits (briefly) until qemu's stderr has been read to its end, so errors can quote it.</summary>
    private async Task DrainOutputAsync()
    {
        try
        {
            using var drained = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _process!.WaitForExitAsync(drained.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // A child holding the pipe open: quote what has come so far.
        }
    }

    private string ExternalCommandLine() => ExternalTool.CommandLine(CommandLine());

    private void KeepStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stderr)
        {
            _stderr.Enqueue(line);
            while (_stderr.Count > StderrLinesKept)
            {
                _stderr.Dequeue();
            }
        }
    }

    private string StderrText()
    {
        lock (_stderr)
        {
            return _stderr.Count == 0 ? "" : "; qemu said: " + string.Join(" | ", _stderr);
        }
    }

    private static string Tail(string text)
    {
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return lines.Length == 0 ? "the console is empty" : "the console ends: " + string.Join(" | ", lines.TakeLast(8));
    }

    private static string SafeExitCode(Process process)
    {
        try
        {
            return process.ExitCode.ToString(CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "?";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await KillAsync().ConfigureAwait(false);
        if (_qmp is not null)
        {
            await _qmp.DisposeAsync().ConfigureAwait(false);
        }

        _process?.Dispose();
        try
        {
            File.Delete(QmpSocketPath);
        }
        catch (IOException)
        {
        }
    }
}
