using Dapper;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>
/// Volumes: <c>images</c> (one row per volume of a disk's chain), where each lives
/// (<c>image_storage_domain_map</c>) and its allocation and I/O figures (<c>disk_image_dynamic</c>).
/// </summary>
public sealed class ImageStore
{
    internal const string Columns =
        "image_guid, creation_date, size, it_guid, parentid, imagestatus, lastmodified, vm_snapshot_id, volume_type, volume_format, " +
        "image_group_id, active, volume_classification, sequence_number";

    /// <summary><see cref="Columns"/> of the images table aliased "i", for joins.</summary>
    private static readonly string PrefixedColumns = string.Join(", ", Columns.Split(", ").Select(c => "i." + c));

    private const string DynamicColumns =
        "image_id, actual_size, read_rate, write_rate, read_latency_seconds, write_latency_seconds, flush_latency_seconds, _update_date";

    private readonly EngineDatabase _db;

    internal ImageStore(EngineDatabase db) => _db = db;

    /// <summary>Adds volumes (base first) of existing disks, all on <paramref name="storageDomainId"/>, in one transaction.</summary>
    public Task InsertChainAsync(IReadOnlyList<Image> chain, Guid storageDomainId, CancellationToken cancellationToken) =>
        _db.TransactAsync(s => InsertChainAsync(s, chain, storageDomainId, cancellationToken), cancellationToken);

    internal static async Task InsertChainAsync(DbSession s, IReadOnlyList<Image> chain, Guid storageDomainId, CancellationToken cancellationToken)
    {
        foreach (var image in chain)
        {
            await InsertAsync(s, image, cancellationToken).ConfigureAwait(false);
            await s.ExecuteAsync(
                "INSERT INTO image_storage_domain_map (image_id, storage_domain_id) VALUES (@ImageGuid, @storageDomainId)",
                new { image.ImageGuid, storageDomainId },
                cancellationToken).ConfigureAwait(false);
            await s.ExecuteAsync(
                $"INSERT INTO disk_image_dynamic ({DynamicColumns}) VALUES (@ImageGuid, NULL, NULL, NULL, NULL, NULL, NULL, NULL)",
                new { image.ImageGuid },
                cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The <c>images</c> row alone.</summary>
    internal static Task<int> InsertAsync(DbSession s, Image image, CancellationToken cancellationToken) =>
        s.ExecuteAsync(
            $"INSERT INTO images ({Columns}) VALUES (@ImageGuid, @CreationDate, @Size, @ItGuid, @ParentId, @ImageStatus, @LastModified, " +
            "@VmSnapshotId, @VolumeType, @VolumeFormat, @ImageGroupId, @Active, @VolumeClassification, @SequenceNumber)",
            image,
            cancellationToken);

    public Task<Image?> GetAsync(Guid imageGuid, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {Columns} FROM images WHERE image_guid = @imageGuid", new { imageGuid }, Read, cancellationToken),
            cancellationToken);

    /// <summary>A disk's volumes, base first (by sequence number).</summary>
    public Task<IReadOnlyList<Image>> ListByDiskAsync(Guid diskId, CancellationToken cancellationToken) =>
        _db.ReadAsync(s => ListByDiskAsync(s, diskId, cancellationToken), cancellationToken);

    internal static Task<IReadOnlyList<Image>> ListByDiskAsync(DbSession s, Guid diskId, CancellationToken cancellationToken) =>
        s.QueryAsync(
            $"SELECT {Columns} FROM images WHERE image_group_id = @diskId ORDER BY sequence_number, image_guid",
            new { diskId },
            Read,
            cancellationToken);

    /// <summary>
    /// The chains of many disks (base first, by sequence number), each volume with its domains and
    /// actual size, in one query: what a page of disks is shown with. Disks without volumes are absent.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, IReadOnlyList<ChainVolume>>> ListChainsAsync(IReadOnlyCollection<Guid> diskIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(diskIds);
        if (diskIds.Count == 0)
        {
            return new Dictionary<Guid, IReadOnlyList<ChainVolume>>();
        }

        // One parameter per disk (a page has at most 1000), each through the Guid type handler.
        var parameters = new DynamicParameters();
        var names = new List<string>(diskIds.Count);
        foreach (var id in diskIds)
        {
            names.Add($"@d{names.Count}");
            parameters.Add(names[^1], id);
        }

        string ids = string.Join(", ", names);
        var rows = await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {PrefixedColumns}, m.storage_domain_id, y.actual_size FROM images i " +
                "LEFT JOIN image_storage_domain_map m ON m.image_id = i.image_guid LEFT JOIN disk_image_dynamic y ON y.image_id = i.image_guid " +
                $"WHERE i.image_group_id IN ({ids}) ORDER BY i.image_group_id, i.sequence_number, i.image_guid, m.storage_domain_id",
                parameters,
                r => (Image: Read(r), Domain: r.UuidOrNull("storage_domain_id"), ActualSize: r.Int64OrNull("actual_size")),
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

        // A volume on two domains comes as two rows, next to each other.
        var chains = new Dictionary<Guid, IReadOnlyList<ChainVolume>>();
        foreach (var volume in rows.GroupBy(r => r.Image.ImageGuid))
        {
            var first = volume.First();
            var domains = volume.Where(r => r.Domain is not null).Select(r => r.Domain!.Value).Distinct().ToList();
            if (!chains.TryGetValue(first.Image.ImageGroupId, out var chain))
            {
                chains[first.Image.ImageGroupId] = chain = new List<ChainVolume>();
            }

            ((List<ChainVolume>)chain).Add(new ChainVolume(first.Image, domains, first.ActualSize));
        }

        return chains;
    }

    /// <summary>Every volume with a copy on <paramref name="storageDomainId"/>, by disk then sequence: one query for a whole domain.</summary>
    public async Task<IReadOnlyList<Image>> ListByDomainAsync(Guid storageDomainId, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {PrefixedColumns} FROM images i " +
                "JOIN image_storage_domain_map m ON m.image_id = i.image_guid WHERE m.storage_domain_id = @storageDomainId " +
                "ORDER BY i.image_group_id, i.sequence_number, i.image_guid",
                new { storageDomainId },
                Read,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>Removes one volume's row with its domain map and figures.</summary>
    internal static Task<int> DeleteAsync(DbSession s, Guid imageGuid, CancellationToken cancellationToken) =>
        s.ExecuteAsync("DELETE FROM images WHERE image_guid = @imageGuid", new { imageGuid }, cancellationToken);

    /// <summary>The volumes that belong to a VM snapshot (one per disk), by disk.</summary>
    public async Task<IReadOnlyList<Image>> ListBySnapshotAsync(Guid snapshotId, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {Columns} FROM images WHERE vm_snapshot_id = @snapshotId ORDER BY image_group_id, image_guid",
                new { snapshotId },
                Read,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>Every volume in <paramref name="status"/> (LOCKED ones after a restart, say), by disk then sequence.</summary>
    public async Task<IReadOnlyList<Image>> ListByStatusAsync(ImageStatus status, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {Columns} FROM images WHERE imagestatus = @status ORDER BY image_group_id, sequence_number",
                new { status },
                Read,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>Sets a volume's status; lastmodified becomes now.</summary>
    public Task SetStatusAsync(Guid imageGuid, ImageStatus status, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE images SET imagestatus = @status, lastmodified = @now WHERE image_guid = @imageGuid",
                    new { imageGuid, status, now = s.Now },
                    cancellationToken).ConfigureAwait(false),
                $"volume {imageGuid}"),
            cancellationToken);

    /// <summary>
    /// Makes a volume its disk's leaf (active, classification Volume) and every other volume of
    /// the disk not active (Snapshot), or, with <paramref name="active"/> false, just clears it.
    /// </summary>
    public Task SetActiveAsync(Guid imageGuid, bool active, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s =>
            {
                var now = s.Now;
                if (active)
                {
                    // The others first: one active volume per disk is a unique index.
                    await s.ExecuteAsync(
                        "UPDATE images SET active = @no, volume_classification = @snapshot, lastmodified = @now " +
                        "WHERE image_group_id = (SELECT image_group_id FROM images WHERE image_guid = @imageGuid) AND image_guid <> @imageGuid AND active = @yes",
                        new { imageGuid, no = false, yes = true, snapshot = VolumeClassification.Snapshot, now },
                        cancellationToken).ConfigureAwait(false);
                }

                StoreChecks.Found(
                    await s.ExecuteAsync(
                        "UPDATE images SET active = @active, volume_classification = @classification, lastmodified = @now WHERE image_guid = @imageGuid",
                        new { imageGuid, active, classification = active ? VolumeClassification.Volume : VolumeClassification.Snapshot, now },
                        cancellationToken).ConfigureAwait(false),
                    $"volume {imageGuid}");
            },
            cancellationToken);

    /// <summary>The domains a volume is on, by domain id.</summary>
    public async Task<IReadOnlyList<ImageStorageDomainMap>> ListDomainsAsync(Guid imageGuid, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                "SELECT image_id, storage_domain_id FROM image_storage_domain_map WHERE image_id = @imageGuid ORDER BY storage_domain_id",
                new { imageGuid },
                r => new ImageStorageDomainMap(r.Uuid("image_id"), r.Uuid("storage_domain_id")),
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>Records a volume's figures; _update_date becomes now.</summary>
    public Task UpdateDynamicAsync(DiskImageDynamic figures, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(figures);
        return _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE disk_image_dynamic SET actual_size = @ActualSize, read_rate = @ReadRate, write_rate = @WriteRate, " +
                    "read_latency_seconds = @ReadLatencySeconds, write_latency_seconds = @WriteLatencySeconds, " +
                    "flush_latency_seconds = @FlushLatencySeconds, _update_date = @now WHERE image_id = @ImageId",
                    new
                    {
                        figures.ImageId, figures.ActualSize, figures.ReadRate, figures.WriteRate, figures.ReadLatencySeconds,
                        figures.WriteLatencySeconds, figures.FlushLatencySeconds, now = s.Now,
                    },
                    cancellationToken).ConfigureAwait(false),
                $"volume {figures.ImageId}"),
            cancellationToken);
    }

    public Task<DiskImageDynamic?> GetDynamicAsync(Guid imageGuid, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync(
                $"SELECT {DynamicColumns} FROM disk_image_dynamic WHERE image_id = @imageGuid",
                new { imageGuid },
                r => new DiskImageDynamic(
                    r.Uuid("image_id"),
                    r.Int64OrNull("actual_size"),
                    r.Int64OrNull("read_rate"),
                    r.Int64OrNull("write_rate"),
                    r.DoubleOrNull("read_latency_seconds"),
                    r.DoubleOrNull("write_latency_seconds"),
                    r.DoubleOrNull("flush_latency_seconds"),
                    r.TimeOrNull("_update_date")),
                cancellationToken),
            cancellationToken);

    internal static Image Read(Row r) => new(
        r.Uuid("image_guid"),
        r.Time("creation_date"),
        r.Int64Value("size"),
        r.Uuid("it_guid"),
        r.Uuid("parentid"),
        r.Coded<ImageStatus>("imagestatus"),
        r.TimeOrNull("lastmodified"),
        r.UuidOrNull("vm_snapshot_id"),
        r.Coded<VolumeType>("volume_type"),
        r.Coded<VolumeFormat>("volume_format"),
        r.Uuid("image_group_id"),
        r.Flag("active"),
        r.Coded<VolumeClassification>("volume_classification"),
        r.Int32Value("sequence_number"));
}
