using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Sanpool.Agent.DataPath;
using Sanpool.Agent.Events;
using Sanpool.Api.Vms;
using Sanpool.Core;
using Sanpool.Pool.Serving;
using Sanpool.Storage.Thin;

namespace Sanpool.Agent.Vm;

/// <summary>
/// The VMs this host's agent runs (what libvirt and VDSM's VM layer do on a real host): each is
/// a <c>qemu-system-x86_64</c> whose disk is a prepared image — <c>-blockdev</c> nodes over this
/// agent's NBD exports, one per volume, linked by node name — with <c>werror=enospc</c>,
/// watched over QMP:
/// <list type="number">
/// <item>A write past the leaf's LV is refused with ENOSPC; qemu stops the VM (BLOCK_IO_ERROR).</item>
/// <item>The watcher asks the thin monitor for room up to the refused write at once
/// (<see cref="Pool.Thin.ThinVolumeMonitor.WaitForRoomAsync"/>); the request goes to the SPM
/// through the storage mailbox.</item>
/// <item>When the LV is extended and mapped, <c>cont</c> resumes the VM. If the SPM has no
/// space, the VM stays paused, <c>vm.nospace</c> is published, and it resumes by itself as
/// soon as a later extension succeeds (a LUN was added).</item>
/// </list>
/// </summary>
internal sealed partial class VmManager : IAsyncDisposable
{
    /// <summary>The id of the VM's disk drive (the prepared image).</summary>
    public const string DiskId = "disk0";

    /// <summary>How long one ask for room may take before the watcher reports the VM as waiting for space.</summary>
    private static readonly TimeSpan RoomWait = TimeSpan.FromSeconds(3);
    private static readonly Regex Name = new("^[a-z][a-z0-9-]{0,31}$", RegexOptions.CultureInvariant);

    private readonly AgentConfig _config;
    private readonly HostDataPath _dataPath;
    private readonly AgentEvents _events;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, RunningVm> _vms = new(StringComparer.Ordinal);

    public VmManager(AgentConfig config, HostDataPath dataPath, AgentEvents events, ILogger logger)
    {
        _config = config;
        _dataPath = dataPath;
        _events = events;
        _logger = logger;
        dataPath.VolumeExtended += OnVolumeExtended;
    }

    public async Task<VmStatusReply> StartAsync(VmStartRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Name.IsMatch(request.Name))
        {
            throw CommonErrors.Invalid($"VM name '{request.Name}' must be 1-32 of a-z, 0-9 and '-', starting with a letter");
        }

        foreach (var file in new[] { request.Kernel, request.Initrd }.Concat(request.Source is null ? [] : [request.Source]))
        {
            if (!File.Exists(file))
            {
                throw CommonErrors.Invalid($"VM {request.Name}: no file {file}");
            }
        }

        var slot = new RunningVm(request);
        if (!_vms.TryAdd(request.Name, slot))
        {
            throw new SanpoolException(VmErrors.VmStartFailed, $"a VM named {request.Name} already runs on host {_config.HostId}");
        }

        try
        {
            await LaunchAsync(slot, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _vms.TryRemove(request.Name, out _);
            await slot.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return await StatusAsync(request.Name, cancellationToken).ConfigureAwait(false);
    }

    public async Task<VmStatusReply> StatusAsync(string name, CancellationToken cancellationToken)
    {
        var vm = Find(name);
        var process = vm.Process!;
        string state = process.HasExited ? "exited" : (await process.QueryStatusAsync(cancellationToken).ConfigureAwait(false)).Status;
        string serial = process.ReadSerial();
        var lines = serial.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new VmStatusReply
        {
            Name = name,
            HostId = _config.HostId,
            Pid = process.ProcessId,
            State = state,
            Domain = vm.Request.Domain,
            Image = vm.Request.Image,
            Leaf = vm.Image!.Leaf.Volume,
            Drive = vm.Image.DriveSpec,
            Pauses = vm.Watcher!.PauseCount(DiskId),
            PausedMs = Math.Round(vm.Watcher.PausedTime(DiskId).TotalMilliseconds),
            LvSize = vm.Image.Leaf.Export?.CurrentSize,
            Result = lines.LastOrDefault(l => l.StartsWith("RESULT ", StringComparison.Ordinal)),
            Progress = lines.LastOrDefault(l => l.StartsWith("PROGRESS ", StringComparison.Ordinal)),
            Serial = process.SerialPath,
        };
    }

    public IReadOnlyList<string> List() => [.. _vms.Keys.Order(StringComparer.Ordinal)];

    /// <summary>Kills the VM's qemu and, unless asked not to, tears its image down.</summary>
    public async Task<VmStopReply> StopAsync(string name, bool teardown, CancellationToken cancellationToken)
    {
        var vm = Find(name);
        _vms.TryRemove(name, out _);
        await vm.DisposeAsync().ConfigureAwait(false);
        bool tornDown = teardown && await _dataPath.Volumes.TeardownAsync(vm.Request.Domain, vm.Request.Image, cancellationToken).ConfigureAwait(false);
        LogStopped(_logger, _config.HostId, name, tornDown);
        return new VmStopReply(name, true, tornDown);
    }

    /// <summary>Asks again at once for every VM still paused for space (after a LUN was added).</summary>
    public void RetryAll()
    {
        foreach (var vm in _vms.Values)
        {
            vm.Watcher?.RetryNow();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _vms.Keys.ToList())
        {
            if (_vms.TryRemove(name, out var vm))
            {
                await vm.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task LaunchAsync(RunningVm vm, CancellationToken cancellationToken)
    {
        var r = vm.Request;
        vm.Image = await _dataPath.Volumes.PrepareAsync(r.Domain, r.Image, cancellationToken).ConfigureAwait(false);
        // Every volume over this host's NBD server, linked by node name (DriveSpec.Blockdevs).
        var drives = new List<VmDrive> { VmDrive.FromBlockdevs(DiskId, vm.Image.Blockdevs, thin: vm.Image.Leaf.Thin) };
        if (r.Source is { } source)
        {
            drives.Add(VmDrive.FromFile("source", source, "raw", thin: false, readOnly: true));
        }

        string runDir = Path.Combine(_config.RunDir, "vms", r.Name);
        vm.Process = VmProcess.Create(new VmOptions
        {
            Name = r.Name,
            Kernel = r.Kernel,
            Initrd = r.Initrd,
            Append = r.Append ?? VmStartRequest.DefaultAppend,
            MemoryMiB = r.MemoryMib ?? VmStartRequest.DefaultMemoryMib,
            Drives = drives,
            RunDirectory = runDir,
            ExtraArguments = ["-pidfile", Path.Combine(runDir, "qemu.pid")],
        }, _logger);
        await vm.Process.LaunchAsync(cancellationToken).ConfigureAwait(false);
        vm.Watcher = new VmWatcher(vm.Process, (drive, ct) => RoomAsync(vm, ct), _logger);
        vm.Watcher.DriveEvent += e => Publish(vm, e);
        await vm.Watcher.StartAsync(cancellationToken).ConfigureAwait(false);
        await vm.Process.ContAsync(cancellationToken).ConfigureAwait(false);
        LogStarted(_logger, _config.HostId, r.Name, vm.Process.ProcessId ?? 0, r.Domain, r.Image, vm.Image.Leaf.Volume);
    }

    /// <summary>The watcher's extension callback: true once the leaf has room for the write it refused.</summary>
    private async Task<bool> RoomAsync(RunningVm vm, CancellationToken cancellationToken)
    {
        if (vm.Image?.Leaf.Export is not { } export || !vm.Image.Leaf.Thin)
        {
            return false;
        }

        // The refused write may be covered already (an extension landed between the ENOSPC and
        // this call): then there is room now, and asking for more would only delay the resume.
        long needed = export.HighestRefused;
        if (needed <= export.CurrentSize)
        {
            return true;
        }

        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(RoomWait);
        try
        {
            await _dataPath.Thin.WaitForRoomAsync(export, needed, bounded.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Still no room: the watcher reports the VM as waiting for space and asks again.
            return false;
        }
    }

    private void OnVolumeExtended(IThinVolume volume)
    {
        foreach (var vm in _vms.Values)
        {
            if (vm.Image?.Leaf.Volume == volume.Volume && vm.Image.Domain == volume.Domain)
            {
                vm.Watcher?.RetryNow();
            }
        }
    }

    private void Publish(RunningVm vm, VmDriveEvent e)
    {
        string? kind = e.Kind switch
        {
            VmDriveEventKind.Paused => "vm.paused",
            VmDriveEventKind.NoSpaceWaiting => "vm.nospace",
            VmDriveEventKind.Resumed => "vm.resumed",
            VmDriveEventKind.IoError => "vm.ioerror",
            _ => null,
        };
        if (kind is null)
        {
            return;
        }

        _events.Publish(kind, new Dictionary<string, JsonNode?>
        {
            ["vm"] = e.Vm,
            ["host_id"] = _config.HostId,
            ["domain"] = vm.Request.Domain.ToString(),
            ["volume"] = vm.Image?.Leaf.Volume.ToString(),
            ["pauses"] = e.Pauses,
            ["paused_ms"] = e.PausedFor is { } p ? Math.Round(p.TotalMilliseconds, 1) : null,
            ["detail"] = e.Detail,
        });
    }

    private RunningVm Find(string name) =>
        _vms.TryGetValue(name, out var vm) && vm.Process is not null
            ? vm
            : throw new SanpoolException(CommonErrors.NotFound, $"no VM {VerbArgsText(name)} runs on host {_config.HostId}");

    private static string VerbArgsText(string name) => Sanpool.Api.Binding.VerbArgs.Printable(name);

    [LoggerMessage(EventId = 8630, Level = LogLevel.Information, Message = "host {HostId}: VM {Vm} started (pid {Pid}) on image {Image} of domain {Domain}, leaf {Leaf}")]
    private static partial void LogStarted(ILogger logger, int hostId, string vm, int pid, Guid domain, Guid image, Guid leaf);

    [LoggerMessage(EventId = 8631, Level = LogLevel.Information, Message = "host {HostId}: VM {Vm} stopped; image torn down: {TornDown}")]
    private static partial void LogStopped(ILogger logger, int hostId, string vm, bool tornDown);

    private sealed class RunningVm(VmStartRequest request) : IAsyncDisposable
    {
        public VmStartRequest Request { get; } = request;

        public PreparedImage? Image { get; set; }

        public VmProcess? Process { get; set; }

        public VmWatcher? Watcher { get; set; }

        public async ValueTask DisposeAsync()
        {
            if (Watcher is not null)
            {
                await Watcher.DisposeAsync().ConfigureAwait(false);
            }

            if (Process is not null)
            {
                await Process.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
