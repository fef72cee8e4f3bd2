using Sanpool.Core;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Data.Stores;

/// <summary>Disks (<c>base_disks</c>), created and removed with their volumes (<see cref="ImageStore"/>).</summary>
public sealed class DiskStore
{
    private const string Columns = "disk_id, disk_alias, disk_description, shareable, wipe_after_delete, disk_content_type";

    private readonly EngineDatabase _db;

    internal DiskStore(EngineDatabase db) => _db = db;

    /// <summary>Adds a disk and its chain of volumes (at least the base), all on <paramref name="storageDomainId"/>, in one transaction.</summary>
    public Task InsertAsync(BaseDisk disk, IReadOnlyList<Image> chain, Guid storageDomainId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(disk);
        ArgumentNullException.ThrowIfNull(chain);
        if (chain.Count == 0 || chain.Any(i => i.ImageGroupId != disk.DiskId))
        {
            throw CommonErrors.Invalid($"disk {disk.DiskId} needs at least one volume, and all its volumes must have image_group_id {disk.DiskId}");
        }

        return _db.TransactAsync(s => InsertAsync(s, disk, chain, storageDomainId, cancellationToken), cancellationToken);
    }

    internal static async Task InsertAsync(DbSession s, BaseDisk disk, IReadOnlyList<Image> chain, Guid storageDomainId, CancellationToken cancellationToken)
    {
        await s.ExecuteAsync(
            $"INSERT INTO base_disks ({Columns}) VALUES (@DiskId, @DiskAlias, @DiskDescription, @Shareable, @WipeAfterDelete, @DiskContentType)",
            disk,
            cancellationToken).ConfigureAwait(false);
        await ImageStore.InsertChainAsync(s, chain, storageDomainId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Updates alias, description and flags.</summary>
    public Task UpdateAsync(BaseDisk disk, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync(
                    "UPDATE base_disks SET disk_alias = @DiskAlias, disk_description = @DiskDescription, shareable = @Shareable, " +
                    "wipe_after_delete = @WipeAfterDelete, disk_content_type = @DiskContentType WHERE disk_id = @DiskId",
                    disk,
                    cancellationToken).ConfigureAwait(false),
                $"disk {disk?.DiskId}"),
            cancellationToken);

    public Task<BaseDisk?> GetAsync(Guid diskId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            s => s.QuerySingleOrDefaultAsync($"SELECT {Columns} FROM base_disks WHERE disk_id = @diskId", new { diskId }, Read, cancellationToken),
            cancellationToken);

    /// <summary>Disks by alias (then id).</summary>
    public async Task<IReadOnlyList<BaseDisk>> ListAsync(Page page, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {Columns} FROM base_disks ORDER BY disk_alias, disk_id LIMIT @Limit OFFSET @Offset",
                new { page.Limit, page.Offset },
                Read,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    /// <summary>Removes a disk with its volumes, their domain map and figures, and its VM attachments.</summary>
    public Task RemoveAsync(Guid diskId, CancellationToken cancellationToken) =>
        _db.TransactAsync(
            async s => StoreChecks.Found(
                await s.ExecuteAsync("DELETE FROM base_disks WHERE disk_id = @diskId", new { diskId }, cancellationToken).ConfigureAwait(false),
                $"disk {diskId}"),
            cancellationToken);

    public Task<long> CountAsync(CancellationToken cancellationToken) =>
        _db.ReadAsync(async s => await s.ScalarAsync<long>("SELECT COUNT(*) FROM base_disks", null, cancellationToken).ConfigureAwait(false), cancellationToken);

    /// <summary>The disks with a volume on <paramref name="storageDomainId"/>, by alias (then id).</summary>
    public async Task<IReadOnlyList<BaseDisk>> ListOnDomainAsync(Guid storageDomainId, Page page, CancellationToken cancellationToken) =>
        await _db.ReadAsync(
            s => s.QueryAsync(
                $"SELECT {Columns} FROM base_disks WHERE disk_id IN ({OnDomain}) ORDER BY disk_alias, disk_id LIMIT @Limit OFFSET @Offset",
                new { storageDomainId, page.Limit, page.Offset },
                Read,
                cancellationToken),
            cancellationToken).ConfigureAwait(false);

    public Task<long> CountOnDomainAsync(Guid storageDomainId, CancellationToken cancellationToken) =>
        _db.ReadAsync(
            async s => await s.ScalarAsync<long>($"SELECT COUNT(*) FROM base_disks WHERE disk_id IN ({OnDomain})", new { storageDomainId }, cancellationToken).ConfigureAwait(false),
            cancellationToken);

    private const string OnDomain =
        "SELECT i.image_group_id FROM images i JOIN image_storage_domain_map m ON m.image_id = i.image_guid WHERE m.storage_domain_id = @storageDomainId";

    internal static BaseDisk Read(Row r) => new(
        r.Uuid("disk_id"),
        r.Text("disk_alias"),
        r.TextOrNull("disk_description"),
        r.Flag("shareable"),
        r.Flag("wipe_after_delete"),
        r.Coded<DiskContentType>("disk_content_type"));
}
