using Sanpool.Api.Client;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Sanpool.Agent.Api;
using Sanpool.BlockIO;
using Sanpool.Core;
using Sanpool.Core.Tools;
using Sanpool.Agent;
using Sanpool.DataPath;
using Sanpool.Pool;
using Sanpool.Storage.Domains;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Harness.LocalPools;

/// <summary>
/// A pool of several hosts on one machine, as the demo, the benchmarks and the failover tests
/// run it: one sparse loop-device LUN per block domain, a pool over them, and one agent
/// process (<c>sanpool agent run</c>) per host, each with its own config, run directory,
/// socket and log under <see cref="LocalPoolOptions.WorkDir"/>. Hosts are started, signalled
/// (kill -9, SIGSTOP, SIGCONT) and stopped by pid. Dispose stops every agent it started,
/// unmounts what they left mounted, and detaches exactly the loop devices it attached.
/// </summary>
public sealed partial class LocalPool : IAsyncDisposable
{
    /// <summary>The host id the setup writer uses: above any host a local pool runs.</summary>
    private const int SetupHostId = 2000;

    private readonly List<LoopDevice> _luns = [];
    private readonly Dictionary<int, Process> _agents = [];
    private readonly Dictionary<int, AgentConfig> _configs = [];
    private readonly ILogger _logger;

    private LocalPool(LocalPoolOptions options, ILogger logger)
    {
        Options = options;
        _logger = logger;
    }

    public LocalPoolOptions Options { get; }

    public Guid Pool { get; private set; }

    /// <summary>The pool's domains; the first is the master.</summary>
    public IReadOnlyList<Guid> Domains { get; private set; } = [];

    public Guid Master => Domains[0];

    /// <summary>The LUN of each domain, in the order of <see cref="Domains"/>.</summary>
    public IReadOnlyList<LoopDevice> Luns => _luns;

    /// <summary>Every LUN's device path: what a host sees unless told otherwise.</summary>
    public IReadOnlyList<string> Devices => [.. _luns.Select(l => l.Path)];

    /// <summary>The spare LUNs (<see cref="LocalPoolOptions.SpareLuns"/>), in no domain yet; also among <see cref="Devices"/>.</summary>
    public IReadOnlyList<LoopDevice> Spares => _luns[Options.Domains..];

    public IEnumerable<int> HostIds => Enumerable.Range(1, Options.Hosts);

    /// <summary>Hosts whose agent process was started and has not exited.</summary>
    public IEnumerable<int> Running => _agents.Where(a => !a.Value.HasExited).Select(a => a.Key).Order();

    /// <summary>Makes the LUNs, the block domains and the pool, and writes each host's config; starts nothing.</summary>
    public static async Task<LocalPool> CreateAsync(LocalPoolOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Hosts is < 1 or > 250 || options.Domains < 1 || options.Command.Count == 0)
        {
            throw CommonErrors.Invalid("a local pool needs 1-250 hosts, one domain or more, and the sanpool command");
        }

        Directory.CreateDirectory(options.WorkDir);
        var pool = new LocalPool(options, logger);
        try
        {
            await pool.BuildAsync(cancellationToken).ConfigureAwait(false);
            return pool;
        }
        catch
        {
            await pool.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task BuildAsync(CancellationToken cancellationToken)
    {
        var domains = new List<Guid>();
        for (int i = 0; i < Options.Domains; i++)
        {
            var lun = await LoopDevice.CreateAsync(Options.WorkDir, Options.LunSize, cancellationToken: cancellationToken).ConfigureAwait(false);
            _luns.Add(lun);
            var uuid = Guid.NewGuid();
            await BlockDomain.CreateAsync([lun.Path], uuid, i == 0 ? "master" : $"data{i}", 512, Options.IoTimeout, cancellationToken).ConfigureAwait(false);
            if (Options.WatchdogFireTimeout != Sanpool.Leases.LeaseTimeouts.DefaultWatchdogFireTimeout)
            {
                await using var store = await new DomainLocator([], [lun.Path]).OpenAsync(uuid, new QemuImg(), Path.Combine(Options.WorkDir, "admin"), cancellationToken)
                    .ConfigureAwait(false);
                await DomainDefaults.SetWatchdogAsync(store, Options.WatchdogFireTimeout, cancellationToken).ConfigureAwait(false);
            }

            domains.Add(uuid);
            LogDomainCreated(_logger, uuid, lun.Path, i == 0 ? "master" : "data");
        }

        Domains = domains;
        for (int i = 0; i < Options.SpareLuns; i++)
        {
            _luns.Add(await LoopDevice.CreateAsync(Options.WorkDir, Options.LunSize, cancellationToken: cancellationToken).ConfigureAwait(false));
        }

        Pool = Guid.NewGuid();
        var setup = new WriterOptions { HostId = SetupHostId, HostName = "local-pool-setup", RunDirectory = Path.Combine(Options.WorkDir, "setup") };
        var locator = new DomainLocator([], Devices) { Files = new FuseDeviceFiles(_logger) };
        var qemu = new QemuImg();
        var stores = new List<IDomainManifest>();
        var writers = new List<DomainWriter>();
        try
        {
            foreach (var domain in Domains)
            {
                stores.Add(await locator.OpenAsync(domain, qemu, setup.RunDirectory, cancellationToken).ConfigureAwait(false));
                writers.Add(await DomainWriter.OpenAsync(stores[^1], qemu, setup, _logger, cancellationToken).ConfigureAwait(false));
            }

            await PoolAdmin.CreateAsync(writers[0], writers[1..], Pool, "local pool", cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var writer in writers)
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var store in stores)
            {
                await store.DisposeAsync().ConfigureAwait(false);
            }
        }

        foreach (int host in HostIds)
        {
            Configure(host, Devices);
        }

        LogPoolCreated(_logger, Pool, Master, Domains.Count, Options.Hosts, Options.IoTimeout);
    }

    /// <summary>This host's config (as last written by <see cref="Configure"/>).</summary>
    public AgentConfig Config(int host) => _configs[host];

    public string HostDirectory(int host) => Path.Combine(Options.WorkDir, $"host{host}");

    public string SocketOf(int host) => _configs[host].Socket;

    public string LogOf(int host) => Path.Combine(HostDirectory(host), "agent.log");

    /// <summary>(Re)writes a host's config, seeing the pool's domains through <paramref name="devices"/>; takes effect at its next start.</summary>
    public void Configure(int host, IReadOnlyList<string> devices)
    {
        string dir = HostDirectory(host);
        Directory.CreateDirectory(dir);
        var config = new AgentConfig
        {
            HostId = host,
            HostName = $"host{host}",
            Pool = Pool,
            Master = Master,
            Devices = devices,
            RunDir = Path.Combine(dir, "run"),
            Socket = Path.Combine(dir, "agent.sock"),
            SpmPriority = Options.SpmPriority(host),
            Election = Options.Election,
            ManagerGraceSeconds = Options.ManagerGraceSeconds,
            Thin = Options.Thin,
        };
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJson());
        _configs[host] = config;
    }

    /// <summary>Starts a host's agent; its output goes to <see cref="LogOf"/>.</summary>
    /// <param name="environment">Extra environment variables for this run (a crash point, a witness file).</param>
    public Process Start(int host, IReadOnlyDictionary<string, string>? environment = null)
    {
        if (_agents.TryGetValue(host, out var old))
        {
            if (!old.HasExited)
            {
                throw new InvalidOperationException($"host {host}'s agent is already running (pid {old.Id})");
            }

            old.Dispose();
        }

        // The agents register for the CLI in their run directory's "agents" (AgentRegistry): the
        // pool's own work dir, so a local pool's agents are found only by a CLI pointed there
        // (SANPOOL_RUN_DIR=WorkDir), never by one working on the host's real domains.
        var env = new Dictionary<string, string>(StringComparer.Ordinal) { ["SANPOOL_RUN_DIR"] = Options.WorkDir };
        foreach (var (name, value) in Options.Environment.Concat(environment ?? new Dictionary<string, string>()))
        {
            env[name] = value;
        }

        // The agent writes its log itself: what a crashed or frozen agent printed last is there.
        var process = ChildProcess.Start([.. Options.Command, "agent", "run", "--config", Path.Combine(HostDirectory(host), "config.json")],
            new ChildProcessOptions { LogFile = LogOf(host), Environment = env });
        _agents[host] = process;
        LogHostStarted(_logger, Pool, host, process.Id);
        return process;
    }

    public void StartAll()
    {
        foreach (int host in HostIds)
        {
            Start(host);
        }
    }

    /// <summary>The pid of a host's running agent.</summary>
    public int Pid(int host) => _agents.TryGetValue(host, out var p) && !p.HasExited ? p.Id : throw new InvalidOperationException($"host {host}'s agent is not running");

    /// <summary>Sends a signal to a host's agent (SIGKILL for a crash, SIGSTOP/SIGCONT for a freeze).</summary>
    public void Signal(int host, int signal)
    {
        int pid = Pid(host);
        LogSignal(_logger, Pool, host, pid, signal);
        Signals.Kill(pid, signal);
    }

    /// <summary>kill -9 and wait until the process is gone.</summary>
    public async Task CrashAsync(int host, CancellationToken cancellationToken)
    {
        var process = _agents[host];
        Signal(host, Signals.SIGKILL);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until a host's agent process has exited (a crash point it was armed with, a fence).</summary>
    public async Task WaitForExitAsync(int host, CancellationToken cancellationToken)
    {
        if (!_agents.TryGetValue(host, out var process))
        {
            throw new InvalidOperationException($"host {host}'s agent was never started");
        }

        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SIGTERM (a clean stop: the SPM gives its role back), then SIGKILL after <paramref name="grace"/>.</summary>
    public async Task StopAsync(int host, TimeSpan grace)
    {
        if (!_agents.TryGetValue(host, out var process) || process.HasExited)
        {
            return;
        }

        Signals.Kill(process.Id, Signals.SIGCONT);
        Signals.Kill(process.Id, Signals.SIGTERM);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Signals.Kill(process.Id, Signals.SIGKILL);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>A client for a host's API socket.</summary>
    public AgentClient Client(int host, TimeSpan? timeout = null) => AgentClient.Create(SocketOf(host), null, timeout);

    /// <summary>One verb on one host's agent.</summary>
    public async Task<JsonNode> InvokeAsync(int host, string verb, IReadOnlyDictionary<string, string>? args, CancellationToken cancellationToken)
    {
        using var client = Client(host);
        return await client.InvokeAsync(verb, args ?? new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Each running host's spm.status state (SPM, Contend, Free), or null where the agent does not answer.</summary>
    public async Task<IReadOnlyDictionary<int, string?>> SpmStatesAsync(CancellationToken cancellationToken)
    {
        var hosts = Running.ToList();
        var states = await Task.WhenAll(hosts.Select(async host =>
        {
            try
            {
                using var client = Client(host, TimeSpan.FromSeconds(5));
                var status = await client.InvokeAsync("spm.status", new Dictionary<string, string>(), cancellationToken).ConfigureAwait(false);
                return (string?)status["state"];
            }
            catch (Exception e) when (e is SanpoolException or OperationCanceledException or HttpRequestException or IOException)
            {
                return null;
            }
        })).ConfigureAwait(false);
        return hosts.Zip(states).ToDictionary(p => p.First, p => p.Second);
    }

    /// <summary>
    /// The last <paramref name="lines"/> lines of each host's log about the SPM role and its
    /// leases (API request lines left out): what a timed-out wait shows of why, since CI keeps
    /// only a test's error message.
    /// </summary>
    public string RoleLogTail(IEnumerable<int> hosts, int lines)
    {
        var text = new System.Text.StringBuilder();
        foreach (int host in hosts)
        {
            string[] all;
            try
            {
                using var stream = new FileStream(LogOf(host), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream);
                all = reader.ReadToEnd().Split('\n');
            }
            catch (IOException)
            {
                continue;
            }

            foreach (string line in all.Where(IsRoleLine).TakeLast(lines))
            {
                text.Append("\n  host").Append(host).Append(": ").Append(line.Length > 240 ? line[..240] : line);
            }
        }

        return text.ToString();

        static bool IsRoleLine(string line) =>
            !line.Contains("POST /v1/", StringComparison.Ordinal)
            && (line.Contains("SPM", StringComparison.Ordinal) || line.Contains("lease", StringComparison.Ordinal) || line.Contains("fail:", StringComparison.Ordinal));
    }

    /// <summary>
    /// Waits until one of <paramref name="among"/> (default: every running host) says it is SPM,
    /// and returns its host id. Throws if two hosts ever say so at once.
    /// </summary>
    public async Task<int> WaitForSpmAsync(TimeSpan timeout, IEnumerable<int>? among, CancellationToken cancellationToken)
    {
        var candidates = among?.ToHashSet();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var states = await SpmStatesAsync(cancellationToken).ConfigureAwait(false);
            var spms = states.Where(s => s.Value == "SPM").Select(s => s.Key).ToList();
            if (spms.Count > 1)
            {
                throw new InvalidOperationException($"pool {Pool}: hosts {string.Join(" and ", spms)} both say they are SPM");
            }

            if (spms.Count == 1 && (candidates is null || candidates.Contains(spms[0])))
            {
                return spms[0];
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"pool {Pool}: no SPM among hosts {string.Join(", ", candidates ?? [.. Running])} within {timeout.TotalSeconds:0} s; states: " +
                    string.Join(", ", states.Select(s => $"host{s.Key}={s.Value ?? "no answer"}")) + RoleLogTail(states.Keys, 6));
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The pool keys as the master domain holds them now, read from storage (no lease taken).</summary>
    public async Task<PoolMetadata> ReadPoolAsync(CancellationToken cancellationToken) =>
        PoolMetadata.From(await BlockDomain.ReadMetadataAsync(Devices, Master, cancellationToken).ConfigureAwait(false), Master);

    /// <summary>Stops every agent (SIGTERM, then SIGKILL after 20 s), all at once.</summary>
    public async Task StopAllAsync()
    {
        await Task.WhenAll(_agents.Keys.Select(host => StopAsync(host, TimeSpan.FromSeconds(20)))).ConfigureAwait(false);
        foreach (var agent in _agents.Values)
        {
            agent.Dispose();
        }

        _agents.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAllAsync().ConfigureAwait(false);
        KillOrphanedVms();

        // An agent killed with -9 leaves its qemu FUSE mounts behind, and they pin the LUNs.
        try
        {
            await VolumeFileSystem.CleanupStaleAsync(Options.WorkDir).ConfigureAwait(false);
        }
        catch (SanpoolException e)
        {
            LogCleanupFailed(_logger, Options.WorkDir, e.OneLine);
        }

        foreach (var lun in _luns)
        {
            await lun.DisposeAsync().ConfigureAwait(false);
        }

        _luns.Clear();
    }

    /// <summary>
    /// An agent killed with -9 leaves its VMs running (qemu outlives its parent); each VM's
    /// qemu wrote its pid file under the host's run directory, and only a qemu-system process
    /// with that pid is killed.
    /// </summary>
    private void KillOrphanedVms()
    {
        foreach (int host in HostIds)
        {
            string vms = Path.Combine(HostDirectory(host), "run", "vms");
            if (!Directory.Exists(vms))
            {
                continue;
            }

            foreach (var pidFile in Directory.EnumerateFiles(vms, "qemu.pid", SearchOption.AllDirectories))
            {
                if (int.TryParse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture, out int pid)
                    && File.Exists($"/proc/{pid}/cmdline")
                    && File.ReadAllText($"/proc/{pid}/cmdline").Contains("qemu-system", StringComparison.Ordinal))
                {
                    _ = Signals.Kill(pid, Signals.SIGKILL);
                    LogOrphanKilled(_logger, host, pid);
                }
            }
        }
    }

    [LoggerMessage(EventId = 795, Level = LogLevel.Warning, Message = "local pool: killed host {HostId}'s VM (qemu pid {Pid}), which outlived its agent")]
    private static partial void LogOrphanKilled(ILogger logger, int hostId, int pid);

    [LoggerMessage(EventId = 790, Level = LogLevel.Information, Message = "local pool: block domain {Domain} ({Role}) on {Device}")]
    private static partial void LogDomainCreated(ILogger logger, Guid domain, string device, string role);

    [LoggerMessage(EventId = 791, Level = LogLevel.Information, Message = "local pool {Pool}: master {Master}, {Domains} domain(s), {Hosts} host(s), io_timeout {IoTimeout} s")]
    private static partial void LogPoolCreated(ILogger logger, Guid pool, Guid master, int domains, int hosts, int ioTimeout);

    [LoggerMessage(EventId = 792, Level = LogLevel.Information, Message = "local pool {Pool}: host {HostId} started, pid {Pid}")]
    private static partial void LogHostStarted(ILogger logger, Guid pool, int hostId, int pid);

    [LoggerMessage(EventId = 793, Level = LogLevel.Information, Message = "local pool {Pool}: host {HostId} (pid {Pid}) sent signal {Signal}")]
    private static partial void LogSignal(ILogger logger, Guid pool, int hostId, int pid, int signal);

    [LoggerMessage(EventId = 794, Level = LogLevel.Warning, Message = "local pool: unmounting what the agents left under {Dir}: {Error}")]
    private static partial void LogCleanupFailed(ILogger logger, string dir, string error);
}
