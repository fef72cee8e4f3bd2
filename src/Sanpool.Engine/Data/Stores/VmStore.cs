using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>VMs and templates: <c>vm_static</c>, <c>vm_dynamic</c>, and the disks attached to them (<c>disk_vm_element</c>).</summary>
public sealed class VmStore
{
    internal const string StaticColumns = "vm_guid, vm_name, entity_type, vmt_guid, mem_size_mb, description, creation_date, _update_date";

    private readonly EngineDatabase _db;

    internal VmStore(EngineDatabase db) => _db = db;

    /// <summary>
    /// Defines a VM: its <c>vm_static</c> row, a <c>vm_dynamic</c> row in status Down, and its
    /// ACTIVE snapshot ("Active VM", OK) with id <paramref name="activeSnapshotId"/>, the id its
    /// disks' leaves will carry.
    /// </summary>
    public Task InsertAsync(VmStatic vm, Guid activeSnapshotId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return _db.TransactAsync(s => InsertAsync(s, vm, activeSnapshotId, cancellationToken), cancellationToken);
    }

    internal static async Task InsertAsync(DbSession s, VmStatic vm, Guid activeSnapshotId, CancellationToken cancellationToken)
    {
        await s.ExecuteAsync(
            $"INSERT INTO vm_static ({StaticColumns}) VALUES (@VmGuid, @VmName, @entityType, @VmtGuid, @MemSizeMb, @Description, @CreationDate, @UpdateDate)",
            new { vm.VmGuid, vm.VmName, entityType = vm.EntityType.ToString(), vm.VmtGuid, vm.MemSizeMb, vm.Description, vm.CreationDate, vm.UpdateDate },
            cancellationToken).ConfigureAwait(false);
        await s.ExecuteAsync(
            "INSERT INTO vm_dynamic (vm_guid, status, run_on_vds, pause_reason) VALUES (@VmGuid, @status, NULL, NULL)",
            new { vm.VmGuid, status = VmStatus.Down },
            cancellationToken).ConfigureAwait(false);
        await SnapshotStore.InsertAsync(
            s,
            new Snapshot(activeSnapshotId, vm.VmGuid, SnapshotType.ACTIVE, SnapshotStatus.OK, Snapshot.ActiveDescription, vm.CreationDate, null),
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Updates name, memory and description; _update_date becomes now.</summary>
    public Task UpdateAsync(VmStatic vm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        return _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE vm_static SET vm_name = @VmName, mem_size_mb = @MemSizeMb, description = @Description, _update_date = @now WHERE vm_guid = @VmGuid",
                    new { vm.VmGuid, vm.VmName, vm.MemSizeMb, vm.Description, now = s.Now },
                    cancellationToken).ConfigureAwait(false),
                $"VM {vm.VmGuid}"),
            cancellationToken);
    }

    public Task<VmStatic?> GetAsync(Guid vmId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {StaticColumns} FROM vm_static WHERE vm_guid = @vmId", new { vmId }, ReadStatic, cancellationToken),
            cancellationToken);

    /// <summary>VMs by name (then id); templates are <see cref="TemplateStore"/>'s.</summary>
    public async Task<IReadOnlyList<VmStatic>> ListAsync(Page page, CancellationToken cancellationToken) =>
        await ListAsync(page, VmEntityType.VM, cancellationToken).ConfigureAwait(false);

    /// <summary>The rows of one entity type by name (then id).</summary>
    internal async Task<IReadOnlyList<VmStatic>> ListAsync(Page page, VmEntityType type, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {StaticColumns} FROM vm_static WHERE entity_type = @entityType ORDER BY vm_name, vm_guid LIMIT @Limit OFFSET @Offset",
                new { page.Limit, page.Offset, entityType = type.ToString() },
                ReadStatic,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    public Task<long> CountAsync(CancellationToken cancellationToken) => CountAsync(VmEntityType.VM, cancellationToken);

    internal Task<long> CountAsync(VmEntityType type, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            async s => await s.ScalarAsync<long>("SELECT COUNT(*) FROM vm_static WHERE entity_type = @entityType", new { entityType = type.ToString() }, cancellationToken).ConfigureAwait(false),
            cancellationToken);

    internal const string DynamicColumns = "vm_guid, status, run_on_vds, pause_reason, last_start_time, last_stop_time, exit_message";

    public Task<VmDynamic?> GetDynamicAsync(Guid vmId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {DynamicColumns} FROM vm_dynamic WHERE vm_guid = @vmId", new { vmId }, ReadDynamic, cancellationToken),
            cancellationToken);

    /// <summary>The run state of every VM a host runs (or the engine thinks it does): status not Down (its host null if the host was removed).</summary>
    public async Task<IReadOnlyList<VmDynamic>> ListRunningAsync(CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {DynamicColumns} FROM vm_dynamic WHERE status <> @down ORDER BY vm_guid",
                new { down = VmStatus.Down },
                ReadDynamic,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Records what the VM's host says of it, if the row is still <paramref name="seen"/>'s status
    /// on its host (compare and set: a start or stop that changed it since is not undone). Going
    /// Down clears the host and the pause and keeps <paramref name="exitMessage"/> and the time.
    /// </summary>
    public Task<bool> TrySetRunStateAsync(VmDynamic seen, VmStatus status, string? pauseReason, string? exitMessage, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(seen);
        bool down = status == VmStatus.Down;
        return _db.TransactAsync(
            async s => await s.ExecuteAsync(
                "UPDATE vm_dynamic SET status = @status, run_on_vds = @host, pause_reason = @pauseReason, exit_message = @exitMessage, " +
                "last_stop_time = @stopped WHERE vm_guid = @VmGuid AND status = @before AND " + (seen.RunOnVds is null ? "run_on_vds IS NULL" : "run_on_vds = @RunOnVds"),
                new
                {
                    seen.VmGuid, seen.RunOnVds, before = seen.Status, status, host = down ? null : seen.RunOnVds, pauseReason = down ? null : pauseReason,
                    exitMessage = down ? exitMessage : seen.ExitMessage, stopped = down ? s.Now : seen.LastStopTime,
                },
                cancellationToken).ConfigureAwait(false) == 1,
            cancellationToken);
    }

    /// <summary>Records the VM's run state as its host reported it.</summary>
    public Task SetStatusAsync(Guid vmId, VmStatus status, Guid? runOnVds, string? pauseReason, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE vm_dynamic SET status = @status, run_on_vds = @runOnVds, pause_reason = @pauseReason WHERE vm_guid = @vmId",
                    new { vmId, status, runOnVds, pauseReason },
                    cancellationToken).ConfigureAwait(false),
                $"VM {vmId}"),
            cancellationToken);

    /// <summary>
    /// Attaches a disk to a VM. A disk that belonged to no VM has its leaf moved into the VM's
    /// ACTIVE snapshot, where a VM's leaves are.
    /// </summary>
    public Task AttachDiskAsync(DiskVmElement element, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(element);
        return _db.TransactAsync(s => AttachDiskAsync(s, element, cancellationToken), cancellationToken);
    }

    internal static async Task AttachDiskAsync(DbSession s, DiskVmElement element, CancellationToken cancellationToken)
    {
        await s.ExecuteAsync(
            "INSERT INTO disk_vm_element (disk_id, vm_id, is_boot, disk_interface) VALUES (@DiskId, @VmId, @IsBoot, @diskInterface)",
            new { element.DiskId, element.VmId, element.IsBoot, diskInterface = element.DiskInterface.ToString() },
            cancellationToken).ConfigureAwait(false);
        await s.ExecuteAsync(
            "UPDATE images SET vm_snapshot_id = " +
            "(SELECT snapshot_id FROM snapshots WHERE vm_id = @VmId AND snapshot_type = @activeType) " +
            "WHERE image_group_id = @DiskId AND active = @active AND vm_snapshot_id IS NULL",
            new { element.VmId, element.DiskId, activeType = nameof(SnapshotType.ACTIVE), active = true },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The VM's disks, boot disk first, then by disk id.</summary>
    public async Task<IReadOnlyList<DiskVmElement>> ListDisksAsync(Guid vmId, CancellationToken cancellationToken) =>
        await _db.ReadAsync(s => ListDisksAsync(s, vmId, cancellationToken), cancellationToken).ConfigureAwait(false);

    internal static Task<IReadOnlyList<DiskVmElement>> ListDisksAsync(DbSession s, Guid vmId, CancellationToken cancellationToken) =>
        s.QueryAsync(
            "SELECT disk_id, vm_id, is_boot, disk_interface FROM disk_vm_element WHERE vm_id = @vmId ORDER BY is_boot DESC, disk_id",
            new { vmId },
            r => new DiskVmElement(r.Uuid("disk_id"), r.Uuid("vm_id"), r.Flag("is_boot"), r.Named<DiskInterface>("disk_interface")),
            cancellationToken);

    internal static VmDynamic ReadDynamic(Row r) => new(
        r.Uuid("vm_guid"),
        r.Coded<VmStatus>("status"),
        r.UuidOrNull("run_on_vds"),
        r.TextOrNull("pause_reason"),
        r.TimeOrNull("last_start_time"),
        r.TimeOrNull("last_stop_time"),
        r.TextOrNull("exit_message"));

    internal static VmStatic ReadStatic(Row r) => new(
        r.Uuid("vm_guid"),
        r.Text("vm_name"),
        r.Named<VmEntityType>("entity_type"),
        r.Uuid("vmt_guid"),
        r.Int32Value("mem_size_mb"),
        r.TextOrNull("description"),
        r.Time("creation_date"),
        r.TimeOrNull("_update_date"));
}
