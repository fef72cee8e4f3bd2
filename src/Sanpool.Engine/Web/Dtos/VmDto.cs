using Sanpool.Engine.Model;

namespace Sanpool.Engine.Web.Dtos;

/// <summary>A VM as <c>/api/vms</c> shows it: what it is, how it runs (and where), and its disks.</summary>
/// <param name="Status">down, up, paused (<paramref name="PauseReason"/> says why, such as ENOSPC), ...; from the host's agent.</param>
/// <param name="Host">The host it runs on, if it runs.</param>
/// <param name="ExitMessage">Why it last went down (stopped by a user, the guest powered off, did not start: the host's error).</param>
public sealed record VmDto(
    Guid Id,
    string Name,
    string? Description,
    int MemoryMb,
    VmStatus Status,
    RefDto? Host,
    string? PauseReason,
    DateTimeOffset? StartTime,
    DateTimeOffset? StopTime,
    string? ExitMessage,
    DateTimeOffset CreationDate,
    IReadOnlyList<VmDiskDto> Disks,
    string Snapshots,
    string Href);

/// <summary>A disk attached to a VM.</summary>
public sealed record VmDiskDto(Guid Id, bool Bootable, DiskInterface Interface, string Href);

/// <summary>
/// <c>POST /api/vms</c>: <c>{ "name": "TestVM", "memory_mb": 512, "disks": [ { "id": "..." } ],
/// "boot_disk": { "id": "..." } }</c>. Memory defaults to 1024 MiB; the boot disk to the first.
/// With <c>"template": { "id": "..." }</c> (and no disks) the VM gets a thin clone of each of the
/// template's disks, made by a job.
/// </summary>
public sealed record DefineVmRequest(
    string? Name, int? MemoryMb = null, string? Description = null, IReadOnlyList<IdRefDto>? Disks = null, IdRefDto? BootDisk = null, IdRefDto? Template = null);

/// <summary>A VM snapshot, as oVirt lists them: the Active VM (the present) and the regular ones, each with the volume it holds per disk.</summary>
/// <param name="Type">active (the VM's present state) or regular.</param>
/// <param name="Status">ok, locked while a job takes or removes it, in_preview.</param>
public sealed record SnapshotDto(
    Guid Id,
    string Description,
    SnapshotType Type,
    SnapshotStatus Status,
    DateTimeOffset Date,
    IReadOnlyList<SnapshotVolumeDto> Volumes,
    string Href);

/// <summary>A snapshot's volume of one disk.</summary>
public sealed record SnapshotVolumeDto(Guid Disk, Guid Volume, Guid Parent, ImageStatus Status);

/// <summary><c>POST /api/vms/{id}/snapshots</c>: <c>{ "description": "before upgrade" }</c>.</summary>
public sealed record CreateSnapshotRequest(string? Description);

/// <summary>
/// <c>POST /api/vms/{id}/start</c>: <c>{ "host": { "id": "..." } }</c> (or <c>{ "name": "..." }</c>) to run it
/// there; without a host (or a body), on the Up host of its data center running fewest VMs.
/// </summary>
public sealed record StartVmRequest(HostRefRequest? Host = null);

/// <summary>A host by id or by name.</summary>
public sealed record HostRefRequest(string? Id = null, string? Name = null);

/// <summary>A VM action's answer (202): its job, the VM, and the snapshot it works on.</summary>
public sealed record VmActionDto(JobDto Job, RefDto Vm, RefDto? Snapshot);
