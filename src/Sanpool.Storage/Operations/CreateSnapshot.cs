using Sanpool.Core;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Operations;

/// <summary>
/// A new COW leaf on the image's current leaf (VDSM's createVolume with a parent):
/// journal [snapshot.journaled] -> storage, metadata ILLEGAL, lease [snapshot.allocated]
/// -> the start of the LV zeroed (<see cref="VolumeSteps.CleanNewAsync"/>) -> qcow2 header "-b &lt;parent uuid&gt; -F &lt;fmt&gt;" [snapshot.written]
/// -> parent INTERNAL [snapshot.parent-internal] -> new leaf LEGAL, ready [snapshot.legal] -> end.
/// Undo: parent back to LEAF, remove the new volume.
/// </summary>
public static class CreateSnapshot
{
    public const string Name = "snapshot";

    public static readonly string[] CrashPoints = ["snapshot.journaled", "snapshot.allocated", "snapshot.written", "snapshot.parent-internal", "snapshot.legal"];

    /// <summary>
    /// What refuses a snapshot of <paramref name="image"/> as <paramref name="inventory"/> shows
    /// the domain (no such image, a broken or unfinished chain, a template, the new volume id
    /// taken); returns the image's chain. The SPM also runs this before it makes a task.
    /// </summary>
    public static IReadOnlyList<VolumeRecord> Check(DomainInventory inventory, Guid domain, Guid image, Guid volume)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        var chain = inventory.ChainOf(image);
        var leaf = chain[^1];
        if (leaf.Image != image || leaf.Md.Role == VolumeRole.SHARED)
        {
            throw CommonErrors.Invalid($"image {image} is a template; make an image from it instead of a snapshot");
        }

        if (inventory.Find(volume) is not null)
        {
            throw CommonErrors.Invalid($"volume {volume} already exists in domain {domain}");
        }

        return chain;
    }

    public static async Task<Guid> RunAsync(DomainWriter writer, Guid image, Guid volume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var inventory = await DomainInventory.LoadAsync(writer.Store, cancellationToken).ConfigureAwait(false);
        var chain = Check(inventory, writer.Domain, image, volume);
        var leaf = chain[^1];
        var entry = OperationRunner.Entry(writer, Name, image, new() { ["volume"] = volume.ToString(), ["parent"] = leaf.Id.ToString() });
        return await OperationRunner.RunAsync(writer, entry, async journal =>
        {
            await journal.PushUndoAsync(new UndoStep(UndoAction.RemoveVolume, image, volume), cancellationToken).ConfigureAwait(false);
            CrashPoint.Hit("snapshot.journaled");
            var md = new VolumeMetadata
            {
                Domain = writer.Domain,
                Image = image,
                Parent = leaf.Id,
                Format = VolumeFormat.COW,
                Type = AllocationType.SPARSE,
                Legality = Legality.ILLEGAL,
                Description = leaf.Md.Description,
                DiskType = leaf.Md.DiskType,
                CTime = VolumeSteps.Now(),
                Capacity = leaf.Md.Capacity,
            };
            long size = writer.Store.InitialSize(VolumeFormat.COW, AllocationType.SPARSE, md.Capacity);
            var stored = await writer.Store.AllocateAsync(new VolumeAllocation(md, volume, size), cancellationToken).ConfigureAwait(false);
            CrashPoint.Hit("snapshot.allocated");
            await VolumeSteps.CleanNewAsync(writer.Store, stored, VolumeFormat.COW, copiedUpTo: null, cancellationToken).ConfigureAwait(false);
            var backing = new QemuBacking(leaf.Id.ToString(), leaf.Md.Format.QemuFormat());
            await CreateImage.WriteQcow2Async(writer, chain, stored, md.Capacity, backing, AllocationType.SPARSE, cancellationToken)
                .ConfigureAwait(false);
            CrashPoint.Hit("snapshot.written");
            await journal.PushUndoAsync(new UndoStep(UndoAction.RestoreVolume, image, leaf.Id) { Role = VolumeRole.LEAF }, cancellationToken).ConfigureAwait(false);
            await VolumeSteps.UpdateAsync(writer.Store, leaf.Stored, m => m with { Role = VolumeRole.INTERNAL }, cancellationToken).ConfigureAwait(false);
            CrashPoint.Hit("snapshot.parent-internal");
            await VolumeSteps.UpdateAsync(writer.Store, stored, m => m with { Legality = Legality.LEGAL }, cancellationToken).ConfigureAwait(false);
            await writer.Store.MarkReadyAsync(stored, cancellationToken).ConfigureAwait(false);
            CrashPoint.Hit("snapshot.legal");
            return volume;
        }, cancellationToken).ConfigureAwait(false);
    }
}
