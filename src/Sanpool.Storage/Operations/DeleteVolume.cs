using Sanpool.Core;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Operations;

/// <summary>
/// Removes a leaf, or a volume no one uses (a template no image is made from). Once begun it
/// only goes forward: journal [delete.journaled] -> ILLEGAL [delete.illegal] -> storage,
/// metadata, lease removed [delete.removed] -> parent LEAF [delete.parent-leaf] -> end.
/// </summary>
public static class DeleteVolume
{
    public const string Name = "delete";

    public static readonly string[] CrashPoints = ["delete.journaled", "delete.illegal", "delete.removed", "delete.parent-leaf"];

    /// <summary>
    /// What refuses deleting <paramref name="volume"/> as <paramref name="inventory"/> shows the
    /// domain (no such volume in the image, or other volumes stand on it); returns the volume.
    /// The SPM also runs this before it makes a task.
    /// </summary>
    public static VolumeRecord Check(DomainInventory inventory, Guid domain, Guid image, Guid volume)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        var target = inventory.Find(volume);
        if (target is null || target.Image != image)
        {
            throw new SanpoolException(StorageErrors.VolumeNotFound, $"no volume {volume} in image {image} of domain {domain}");
        }

        var users = inventory.ChildrenOf(volume).ToList();
        if (users.Count > 0)
        {
            throw new SanpoolException(StorageErrors.VolumeInUse,
                $"volume {volume} is the parent of {string.Join(", ", users.Select(u => $"{u.Image}/{u.Id}"))}; delete or merge those first");
        }

        return target;
    }

    public static async Task RunAsync(DomainWriter writer, Guid image, Guid volume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var inventory = await DomainInventory.LoadAsync(writer.Store, cancellationToken).ConfigureAwait(false);
        var target = Check(inventory, writer.Domain, image, volume);
        var parent = target.Metadata?.Parent ?? target.Stored.TagParent ?? Guid.Empty;
        var entry = OperationRunner.Entry(writer, Name, image, new() { ["volume"] = volume.ToString(), ["parent"] = parent.ToString() })
            with { Forward = true };
        await OperationRunner.RunAsync(writer, entry, async journal =>
        {
            CrashPoint.Hit("delete.journaled");
            if (target.Metadata is not null)
            {
                await VolumeSteps.UpdateAsync(writer.Store, target.Stored, m => m with { Legality = Legality.ILLEGAL }, cancellationToken).ConfigureAwait(false);
            }

            CrashPoint.Hit("delete.illegal");
            await FinishAsync(writer, journal.Entry, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes the volume if it is still there, and makes its parent the leaf again.</summary>
    internal static async Task<string> FinishAsync(DomainWriter writer, JournalEntry entry, CancellationToken cancellationToken)
    {
        var volume = entry.GuidArg("volume");
        var parent = entry.GuidArg("parent");
        await writer.Store.RemoveAsync(entry.Image, volume, cancellationToken).ConfigureAwait(false);
        CrashPoint.Hit("delete.removed");
        var inventory = await DomainInventory.LoadAsync(writer.Store, cancellationToken).ConfigureAwait(false);
        if (parent != Guid.Empty && inventory.Find(parent) is { Metadata: { } md } p && md.Image == entry.Image
            && md.Role == VolumeRole.INTERNAL && !inventory.ChildrenOf(parent).Any())
        {
            await VolumeSteps.UpdateAsync(writer.Store, p.Stored, m => m with { Role = VolumeRole.LEAF }, cancellationToken).ConfigureAwait(false);
        }

        CrashPoint.Hit("delete.parent-leaf");
        return $"volume {volume} removed";
    }
}
