using Sanpool.Api.Pools;
using Sanpool.Engine.Model;

namespace Sanpool.Engine.Reconciliation;

/// <summary>
/// Compares a disk's rows with what <c>domain.volumes</c> says of its image, and classifies each
/// difference (<see cref="ChainDifferenceKind"/>). Pure: the caller reads both sides, so the
/// rules are tested without a database or an agent.
/// <para>
/// A volume's parent is taken from each view that has it: the row's <c>parentid</c>, the
/// metadata's PUUID, the LV's PU_ tag, and the qcow2 backing file (a bare parent id; no backing
/// file means no parent). They agree when every view that has the volume names the same parent.
/// The fixes follow one rule: the storage is the truth for what exists and how it links, so a
/// fix that only rewrites the database is safe; one that touches the storage waits for an admin.
/// </para>
/// </summary>
public static class DiskChainComparison
{
    public static DiskChainReport Compare(Guid disk, IReadOnlyList<Image> rows, bool jobRunning, DomainVolumesReply storage)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(storage);
        var onStorage = storage.Volumes.Where(v => v.Image == disk).ToDictionary(v => v.Id);
        var chain = storage.Chains.FirstOrDefault(c => c.Image == disk);
        var order = new List<Guid>(chain?.Volumes ?? []);
        order.AddRange(rows.Select(r => r.ImageGuid).Where(id => !order.Contains(id)));
        order.AddRange(onStorage.Keys.Order().Where(id => !order.Contains(id)));

        var differences = new List<ChainDifference>();
        if (chain?.Error is { } broken)
        {
            differences.Add(new(ChainDifferenceKind.BrokenOnStorage, null, $"the storage's chain of image {disk} is broken: {broken}",
                "repair the chain on storage (domain check names the damage), then reconcile again", false));
        }

        var views = new List<VolumeViews>();
        foreach (var id in order)
        {
            var row = rows.FirstOrDefault(r => r.ImageGuid == id);
            onStorage.TryGetValue(id, out var volume);
            var database = row is null ? null : new DatabaseView(row.ParentId, row.ImageStatus, row.Active, row.VolumeFormat, row.Size, row.SequenceNumber);
            var metadata = volume?.Metadata is { } m ? new MetadataView(m.Parent, m.Voltype, m.Legality, m.Format, m.Capacity) : null;
            var tags = volume?.Storage is { } st && (st.TagParent is not null || st.MetadataSlot is not null) ? new LvTagsView(st.TagParent, st.MetadataSlot) : null;
            var qcow2 = volume?.Qcow2 is { } q ? new Qcow2View(q.BackingFile, q.Size) : null;

            var parents = new List<Guid>();
            if (database is not null)
            {
                parents.Add(database.Parent);
            }

            if (metadata is not null)
            {
                parents.Add(metadata.Parent);
            }

            if (tags?.Parent is { } tagParent)
            {
                parents.Add(tagParent);
            }

            if (qcow2 is not null)
            {
                parents.Add(Guid.TryParse(qcow2.BackingFile, out var backing) ? backing : Guid.Empty);
            }

            bool parentAgrees = parents.Distinct().Count() <= 1;
            views.Add(new VolumeViews(id, database, metadata, tags, qcow2, parentAgrees));
            Classify(id, row, volume, metadata, parentAgrees, chain?.Volumes.Contains(id) == true, differences);
        }

        if (!jobRunning && rows.Any(r => r.ImageStatus == ImageStatus.LOCKED))
        {
            differences.Add(new(ChainDifferenceKind.LockedWithoutJob, null, $"disk {disk} has LOCKED volumes and no running job works on it",
                "set the rows to what the storage says (OK, or ILLEGAL where the metadata says so)", true));
        }

        return new DiskChainReport(disk, storage.Domain, views, differences);
    }

    private static void Classify(Guid id, Image? row, VolumeView? volume, MetadataView? metadata, bool parentAgrees, bool inChain, List<ChainDifference> differences)
    {
        if (row is not null && volume is null)
        {
            differences.Add(new(ChainDifferenceKind.MissingOnStorage, id, $"volume {id} is in the database and not on storage",
                "remove the row (and its snapshot's reference); the data is not on storage to lose", true));
            return;
        }

        if (row is null && volume is not null)
        {
            differences.Add(inChain
                ? new(ChainDifferenceKind.OrphanOnStorage, id, $"volume {id} is in the image's chain on storage and not in the database",
                    "add its row from its metadata", true)
                : new(ChainDifferenceKind.OrphanOnStorage, id, $"volume {id} is filed under the image on storage, outside its chain, and not in the database",
                    "delete the volume (an admin's call: its data would go)", false));
            return;
        }

        if (row is null || volume is null)
        {
            return;
        }

        if (metadata is null)
        {
            differences.Add(new(ChainDifferenceKind.BrokenOnStorage, id, $"the metadata of volume {id} does not read: {volume.MetadataError}",
                "repair the volume's metadata record (domain check), then reconcile again", false));
            return;
        }

        if (!parentAgrees)
        {
            string tagParent = volume.Storage.TagParent?.ToString() ?? "-";
            differences.Add(new(ChainDifferenceKind.ParentDiffers, id,
                $"volume {id}: parent {row.ParentId} in the database, {metadata.Parent} in the metadata, {tagParent} in the LV tag, '{volume.Qcow2?.BackingFile}' in the qcow2 header",
                "take the storage's parent into the database when metadata, tag and header agree; otherwise repair the storage first", volume.Qcow2 is null || Guid.TryParse(volume.Qcow2.BackingFile, out var b) && b == metadata.Parent));
        }

        bool illegalOnStorage = metadata.Legality != "LEGAL";
        if (illegalOnStorage && row.ImageStatus != ImageStatus.ILLEGAL)
        {
            differences.Add(new(ChainDifferenceKind.IllegalOnStorage, id, $"volume {id} is {metadata.Legality} on storage and {row.ImageStatus} in the database",
                "mark the row ILLEGAL", true));
        }
        else if (!illegalOnStorage && row.ImageStatus == ImageStatus.ILLEGAL)
        {
            differences.Add(new(ChainDifferenceKind.IllegalInDatabase, id, $"volume {id} is ILLEGAL in the database and LEGAL on storage",
                "mark the row OK", true));
        }

        if (row.Size != metadata.Capacity)
        {
            differences.Add(new(ChainDifferenceKind.SizeDiffers, id, $"volume {id}: {row.Size} bytes in the database, {metadata.Capacity} in the metadata",
                "take the metadata's capacity into the database", true));
        }
    }
}
