using Sanpool.Core;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>
/// VM snapshots (<c>snapshots</c>), and the two transactions that take one in the database
/// with the engine's semantics (engine.md section 1; seed 003 shows the result):
/// <see cref="BeginVmSnapshotAsync"/> before the SPM creates the volumes, and
/// <see cref="EndVmSnapshotAsync"/> after, which keeps or undoes what Begin wrote.
/// </summary>
public sealed class SnapshotStore
{
    private const string Columns = "snapshot_id, vm_id, snapshot_type, status, description, creation_date, vm_configuration";

    private readonly EngineDatabase _db;

    internal SnapshotStore(EngineDatabase db) => _db = db;

    public Task InsertAsync(Snapshot snapshot, CancellationToken cancellationToken) =>
        _db.TransactAsync(s => InsertAsync(s, snapshot, cancellationToken), cancellationToken);

    internal static Task<int> InsertAsync(DbSession s, Snapshot snapshot, CancellationToken cancellationToken) =>
        s.ExecuteAsync(
            $"INSERT INTO snapshots ({Columns}) VALUES (@SnapshotId, @VmId, @type, @status, @Description, @CreationDate, @VmConfiguration)",
            new
            {
                snapshot.SnapshotId, snapshot.VmId, type = snapshot.SnapshotType.ToString(), status = snapshot.Status.ToString(),
                snapshot.Description, snapshot.CreationDate, snapshot.VmConfiguration,
            },
            cancellationToken);

    public Task SetStatusAsync(Guid snapshotId, SnapshotStatus status, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE snapshots SET status = @status WHERE snapshot_id = @snapshotId",
                    new { snapshotId, status = status.ToString() },
                    cancellationToken).ConfigureAwait(false),
                $"snapshot {snapshotId}"),
            cancellationToken);

    public Task<Snapshot?> GetAsync(Guid snapshotId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {Columns} FROM snapshots WHERE snapshot_id = @snapshotId", new { snapshotId }, Read, cancellationToken),
            cancellationToken);

    /// <summary>The VM's ACTIVE snapshot ("Active VM"), whose id its disks' leaves carry.</summary>
    public Task<Snapshot?> GetActiveAsync(Guid vmId, CancellationToken cancellationToken) =>
        _db.ReadAsync(s => GetActiveAsync(s, vmId, lockRow: false, cancellationToken), cancellationToken);

    /// <summary>The VM's snapshots, oldest first (then by id).</summary>
    public async Task<IReadOnlyList<Snapshot>> ListByVmAsync(Guid vmId, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {Columns} FROM snapshots WHERE vm_id = @vmId ORDER BY creation_date, snapshot_id",
                new { vmId },
                Read,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Writes a VM snapshot's rows before the SPM creates its volumes, in one transaction:
    /// <list type="number">
    /// <item>the ACTIVE row gets a new id, and its old id is inserted again as the new REGULAR
    /// snapshot (<paramref name="description"/>, LOCKED): so the current leaves, which carry
    /// the old id, now belong to the new snapshot without being touched;</item>
    /// <item>each disk's leaf stops being active (classification Snapshot) and is LOCKED;</item>
    /// <item>each disk gets a new leaf, the id in <paramref name="newLeafPerDisk"/>: Sparse,
    /// COW, parent the old leaf, in the new ACTIVE snapshot, active, LOCKED, the next sequence
    /// number, on the old leaf's domain.</item>
    /// </list>
    /// Every disk attached to the VM must be in <paramref name="newLeafPerDisk"/>, and none
    /// other. CONFLICT if a snapshot of the VM or a leaf is not OK (another operation runs on
    /// it), or a leaf is not in the ACTIVE snapshot.
    /// </summary>
    public Task<VmSnapshotStarted> BeginVmSnapshotAsync(
        Guid vmId, string description, IReadOnlyDictionary<Guid, Guid> newLeafPerDisk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(newLeafPerDisk);
        if (string.IsNullOrWhiteSpace(description))
        {
            throw CommonErrors.Invalid("a snapshot needs a description");
        }

        return _db.TransactAsync(s => BeginVmSnapshotAsync(s, vmId, description, newLeafPerDisk, cancellationToken), cancellationToken);
    }

    internal static async Task<VmSnapshotStarted> BeginVmSnapshotAsync(
        DbSession s, Guid vmId, string description, IReadOnlyDictionary<Guid, Guid> newLeafPerDisk, CancellationToken cancellationToken)
    {
        var active = await GetActiveAsync(s, vmId, lockRow: true, cancellationToken).ConfigureAwait(false)
            ?? throw StoreChecks.NotFound($"VM {vmId} (or its ACTIVE snapshot)");
        await RefuseLockedSnapshotAsync(s, vmId, cancellationToken).ConfigureAwait(false);
        var disks = await VmStore.ListDisksAsync(s, vmId, cancellationToken).ConfigureAwait(false);
        var diskIds = disks.Select(d => d.DiskId).ToHashSet();
        if (!diskIds.SetEquals(newLeafPerDisk.Keys))
        {
            throw CommonErrors.Invalid(
                $"a snapshot of VM {vmId} takes all its disks ({string.Join(", ", diskIds.Order())}) and only them; " +
                $"got {string.Join(", ", newLeafPerDisk.Keys.Order())}");
        }

        var oldLeaves = new List<Image>();
        foreach (var disk in disks)
        {
            oldLeaves.Add(await LeafToSnapshotAsync(s, disk.DiskId, active.SnapshotId, cancellationToken).ConfigureAwait(false));
        }

        Guid newActiveId = Guid.NewGuid();
        var now = s.Now;
        await s.ExecuteAsync(
            "UPDATE snapshots SET snapshot_id = @newActiveId WHERE snapshot_id = @oldId",
            new { newActiveId, oldId = active.SnapshotId },
            cancellationToken).ConfigureAwait(false);
        await InsertAsync(
            s,
            new Snapshot(active.SnapshotId, vmId, SnapshotType.REGULAR, SnapshotStatus.LOCKED, description, now, null),
            cancellationToken).ConfigureAwait(false);

        var leaves = new List<VmSnapshotLeaf>();
        foreach (var old in oldLeaves)
        {
            Guid newLeaf = newLeafPerDisk[old.ImageGroupId];
            await AddLeafAsync(s, old, newLeaf, newActiveId, now, cancellationToken).ConfigureAwait(false);
            leaves.Add(new VmSnapshotLeaf(old.ImageGroupId, old.ImageGuid, newLeaf));
        }

        return new VmSnapshotStarted(vmId, active.SnapshotId, newActiveId, leaves);
    }

    /// <summary>
    /// Ends a VM snapshot begun by <see cref="BeginVmSnapshotAsync"/>, in one transaction. It
    /// needs only the ids, not Begin's result, so an engine restarted in between can end it.
    /// <list type="bullet">
    /// <item>Succeeded: the snapshot and the LOCKED volumes become OK; the old leaves'
    /// lastmodified becomes now (from here on nothing writes them).</item>
    /// <item>Failed (the SPM rolled the volumes back): the new leaves are removed, the old
    /// leaves are active and OK again, the snapshot row is removed and the ACTIVE row gets its
    /// old id back: the rows are as they were before Begin.</item>
    /// </list>
    /// CONFLICT if <paramref name="snapshotId"/> is not a LOCKED REGULAR snapshot of the VM.
    /// </summary>
    public Task EndVmSnapshotAsync(Guid vmId, Guid snapshotId, bool succeeded, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s =>
            {
                var snapshot = await s.QuerySingleOrDefaultAsync(
                    $"SELECT {Columns} FROM snapshots WHERE snapshot_id = @snapshotId AND vm_id = @vmId{s.Dialect.ForUpdate}",
                    new { snapshotId, vmId },
                    Read,
                    cancellationToken).ConfigureAwait(false)
                    ?? throw StoreChecks.NotFound($"snapshot {snapshotId} of VM {vmId}");
                if (snapshot is not { SnapshotType: SnapshotType.REGULAR, Status: SnapshotStatus.LOCKED })
                {
                    throw StoreChecks.Conflict($"snapshot {snapshotId} of VM {vmId} is {snapshot.SnapshotType} {snapshot.Status}, not a snapshot being taken");
                }

                var active = await GetActiveAsync(s, vmId, lockRow: true, cancellationToken).ConfigureAwait(false)
                    ?? throw StoreChecks.NotFound($"the ACTIVE snapshot of VM {vmId}");
                var leaves = await s.QueryAsync(
                    "SELECT n.image_guid AS new_leaf, n.parentid AS old_leaf FROM images n JOIN images o ON o.image_guid = n.parentid " +
                    "WHERE n.vm_snapshot_id = @activeId AND o.vm_snapshot_id = @snapshotId ORDER BY n.image_group_id",
                    new { activeId = active.SnapshotId, snapshotId },
                    r => (New: r.Uuid("new_leaf"), Old: r.Uuid("old_leaf")),
                    cancellationToken).ConfigureAwait(false);
                if (succeeded)
                {
                    await KeepAsync(s, snapshotId, leaves, cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await UndoAsync(s, snapshotId, active.SnapshotId, leaves, cancellationToken).ConfigureAwait(false);
                }
            },
            cancellationToken);

    private static async Task KeepAsync(DbSession s, Guid snapshotId, IReadOnlyList<(Guid New, Guid Old)> leaves, CancellationToken cancellationToken)
    {
        var now = s.Now;
        foreach (var (newLeaf, oldLeaf) in leaves)
        {
            await s.ExecuteAsync(
                "UPDATE images SET imagestatus = @ok WHERE image_guid = @newLeaf AND imagestatus = @locked",
                new { newLeaf, ok = ImageStatus.OK, locked = ImageStatus.LOCKED },
                cancellationToken).ConfigureAwait(false);
            await s.ExecuteAsync(
                "UPDATE images SET imagestatus = @ok, lastmodified = @now WHERE image_guid = @oldLeaf AND imagestatus = @locked",
                new { oldLeaf, ok = ImageStatus.OK, locked = ImageStatus.LOCKED, now },
                cancellationToken).ConfigureAwait(false);
        }

        await s.ExecuteAsync(
            "UPDATE snapshots SET status = @ok WHERE snapshot_id = @snapshotId",
            new { snapshotId, ok = nameof(SnapshotStatus.OK) },
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task UndoAsync(DbSession s, Guid snapshotId, Guid activeId, IReadOnlyList<(Guid New, Guid Old)> leaves, CancellationToken cancellationToken)
    {
        foreach (var (newLeaf, oldLeaf) in leaves)
        {
            // The new leaf first: one active volume per disk is a unique index. Its domain map
            // and figures go with it (ON DELETE CASCADE).
            await s.ExecuteAsync("DELETE FROM images WHERE image_guid = @newLeaf", new { newLeaf }, cancellationToken).ConfigureAwait(false);
            await s.ExecuteAsync(
                "UPDATE images SET active = @yes, volume_classification = @volume, imagestatus = @ok WHERE image_guid = @oldLeaf",
                new { oldLeaf, yes = true, volume = VolumeClassification.Volume, ok = ImageStatus.OK },
                cancellationToken).ConfigureAwait(false);
        }

        // The snapshot row first: its id goes back to the ACTIVE row.
        await s.ExecuteAsync("DELETE FROM snapshots WHERE snapshot_id = @snapshotId", new { snapshotId }, cancellationToken).ConfigureAwait(false);
        await s.ExecuteAsync(
            "UPDATE snapshots SET snapshot_id = @snapshotId WHERE snapshot_id = @activeId",
            new { snapshotId, activeId },
            cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Snapshot?> GetActiveAsync(DbSession s, Guid vmId, bool lockRow, CancellationToken cancellationToken) =>
        await s.QuerySingleOrDefaultAsync(
            $"SELECT {Columns} FROM snapshots WHERE vm_id = @vmId AND snapshot_type = @type{(lockRow ? s.Dialect.ForUpdate : string.Empty)}",
            new { vmId, type = nameof(SnapshotType.ACTIVE) },
            Read,
            cancellationToken).ConfigureAwait(false);

    private static async Task RefuseLockedSnapshotAsync(DbSession s, Guid vmId, CancellationToken cancellationToken)
    {
        var locked = await s.QueryAsync(
            "SELECT snapshot_id FROM snapshots WHERE vm_id = @vmId AND status <> @ok ORDER BY snapshot_id",
            new { vmId, ok = nameof(SnapshotStatus.OK) },
            r => r.Uuid("snapshot_id"),
            cancellationToken).ConfigureAwait(false);
        if (locked.Count > 0)
        {
            throw StoreChecks.Conflict($"VM {vmId} has snapshot {locked[0]} not OK: another operation works on it");
        }
    }

    /// <summary>Locks the disk's leaf and makes it a snapshot volume; returns it as it was.</summary>
    private static async Task<Image> LeafToSnapshotAsync(DbSession s, Guid diskId, Guid activeSnapshotId, CancellationToken cancellationToken)
    {
        var leaf = await s.QuerySingleOrDefaultAsync(
            $"SELECT {ImageStore.Columns} FROM images WHERE image_group_id = @diskId AND active = @yes{s.Dialect.ForUpdate}",
            new { diskId, yes = true },
            ImageStore.Read,
            cancellationToken).ConfigureAwait(false)
            ?? throw StoreChecks.Conflict($"disk {diskId} has no active volume");
        if (leaf.ImageStatus != ImageStatus.OK)
        {
            throw StoreChecks.Conflict($"disk {diskId}: its leaf {leaf.ImageGuid} is {leaf.ImageStatus}, not OK");
        }

        if (leaf.VmSnapshotId != activeSnapshotId)
        {
            throw StoreChecks.Conflict($"disk {diskId}: its leaf {leaf.ImageGuid} is in snapshot {leaf.VmSnapshotId}, not the VM's ACTIVE {activeSnapshotId}");
        }

        await s.ExecuteAsync(
            "UPDATE images SET active = @no, volume_classification = @snapshot, imagestatus = @locked WHERE image_guid = @ImageGuid",
            new { leaf.ImageGuid, no = false, snapshot = VolumeClassification.Snapshot, locked = ImageStatus.LOCKED },
            cancellationToken).ConfigureAwait(false);
        return leaf;
    }

    private static async Task AddLeafAsync(DbSession s, Image old, Guid newLeaf, Guid newActiveId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var leaf = new Image(
            newLeaf, now, old.Size, old.ItGuid, old.ImageGuid, ImageStatus.LOCKED, now, newActiveId, VolumeType.Sparse, VolumeFormat.COW,
            old.ImageGroupId, Active: true, VolumeClassification.Volume, old.SequenceNumber + 1);
        await ImageStore.InsertAsync(s, leaf, cancellationToken).ConfigureAwait(false);
        await s.ExecuteAsync(
            "INSERT INTO image_storage_domain_map (image_id, storage_domain_id) " +
            "SELECT @newLeaf, storage_domain_id FROM image_storage_domain_map WHERE image_id = @oldLeaf",
            new { newLeaf, oldLeaf = old.ImageGuid },
            cancellationToken).ConfigureAwait(false);
        await s.ExecuteAsync(
            "INSERT INTO disk_image_dynamic (image_id) VALUES (@newLeaf)",
            new { newLeaf },
            cancellationToken).ConfigureAwait(false);
    }

    internal static Snapshot Read(Row r) => new(
        r.Uuid("snapshot_id"),
        r.Uuid("vm_id"),
        r.Named<SnapshotType>("snapshot_type"),
        r.Named<SnapshotStatus>("status"),
        r.Text("description"),
        r.Time("creation_date"),
        r.TextOrNull("vm_configuration"));
}
