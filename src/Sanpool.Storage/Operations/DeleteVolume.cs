using System.Globalization;
using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Operations;

/// <summary>
/// Removes a leaf, or a volume no one uses (a template no image is made from). Once begun it
/// only goes forward: journal [delete.journaled] -> ILLEGAL [delete.illegal] -> when asked
/// (<see cref="DeleteOptions"/>, else the domain's defaults), the volume's extents zeroed
/// [delete.wiping, after the first piece] and then discarded [delete.wiped] -> storage,
/// metadata, lease removed [delete.removed] -> parent LEAF [delete.parent-leaf] -> end.
/// <para>
/// The journal entry records whether to wipe and discard, so a writer that finds it after a
/// crash (the next SPM) finishes the same way: it zeroes the whole LV again from the start
/// (zeroing is idempotent, and how far the crashed run got is not recorded), then removes it.
/// The LV is found by name even once it carries the _remove_me_ mark: until lvremove its
/// extents still hold the data, so a wipe is never skipped because removal had begun.
/// </para>
/// </summary>
public static partial class DeleteVolume
{
    public const string Name = "delete";

    public static readonly string[] CrashPoints = ["delete.journaled", "delete.illegal", "delete.removed", "delete.parent-leaf"];

    /// <summary>The points a delete with a wipe passes as well (block domains only: a file domain has nothing to wipe).</summary>
    public static readonly string[] WipeCrashPoints = ["delete.wiping", "delete.wiped"];

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

    public static Task RunAsync(DomainWriter writer, Guid image, Guid volume, CancellationToken cancellationToken) =>
        RunAsync(writer, image, volume, new DeleteOptions(), null, cancellationToken);

    /// <param name="progress">Percent of the wipe done, when there is one.</param>
    public static async Task RunAsync(DomainWriter writer, Guid image, Guid volume, DeleteOptions options, Action<double>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(options);
        var inventory = await DomainInventory.LoadAsync(writer.Store, cancellationToken).ConfigureAwait(false);
        var target = Check(inventory, writer.Domain, image, volume);
        var parent = target.Metadata?.Parent ?? target.Stored.TagParent ?? Guid.Empty;
        var args = new Dictionary<string, string>
        {
            ["volume"] = volume.ToString(),
            ["parent"] = parent.ToString(),
            ["wipe"] = (options.Wipe ?? writer.Store.Info.WipeAfterDelete).ToString(CultureInfo.InvariantCulture),
            ["discard"] = (options.Discard ?? writer.Store.Info.DiscardAfterDelete).ToString(CultureInfo.InvariantCulture),
        };
        var entry = OperationRunner.Entry(writer, Name, image, args) with { Forward = true };
        await OperationRunner.RunAsync(writer, entry, async journal =>
        {
            CrashPoint.Hit("delete.journaled");
            if (target.Metadata is not null)
            {
                await VolumeSteps.UpdateAsync(writer.Store, target.Stored, m => m with { Legality = Legality.ILLEGAL }, cancellationToken).ConfigureAwait(false);
            }

            CrashPoint.Hit("delete.illegal");
            await FinishAsync(writer, journal.Entry, progress, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Wipes and discards the volume if asked and it is still there, removes it, and makes its parent the leaf again.</summary>
    internal static async Task<string> FinishAsync(DomainWriter writer, JournalEntry entry, Action<double>? progress, CancellationToken cancellationToken)
    {
        var volume = entry.GuidArg("volume");
        var parent = entry.GuidArg("parent");
        string wiped = await ClearAsync(writer, entry, volume, progress, cancellationToken).ConfigureAwait(false);
        await writer.Store.RemoveAsync(entry.Image, volume, cancellationToken).ConfigureAwait(false);
        CrashPoint.Hit("delete.removed");
        var inventory = await DomainInventory.LoadAsync(writer.Store, cancellationToken).ConfigureAwait(false);
        if (parent != Guid.Empty && inventory.Find(parent) is { Metadata: { } md } p && md.Image == entry.Image
            && md.Role == VolumeRole.INTERNAL && !inventory.ChildrenOf(parent).Any())
        {
            await VolumeSteps.UpdateAsync(writer.Store, p.Stored, m => m with { Role = VolumeRole.LEAF }, cancellationToken).ConfigureAwait(false);
        }

        CrashPoint.Hit("delete.parent-leaf");
        return $"volume {volume} removed{wiped}";
    }

    /// <summary>The wipe and discard the entry asks for, on the volume's storage if it is still there (by name, removal mark or not); what was done, for the result.</summary>
    private static async Task<string> ClearAsync(DomainWriter writer, JournalEntry entry, Guid volume, Action<double>? progress, CancellationToken cancellationToken)
    {
        bool wipe = Flag(entry, "wipe");
        bool discard = Flag(entry, "discard");
        var stored = (wipe || discard) && writer.Store.FixedSize
            ? (await writer.Store.ListAsync(cancellationToken).ConfigureAwait(false)).FirstOrDefault(v => v.Volume == volume)
            : null;
        if (stored is null)
        {
            return "";
        }

        string done = "";
        if (wipe)
        {
            LogWiping(writer.Logger, writer.Domain, entry.Image, volume, stored.Size);
            long started = Environment.TickCount64;
            bool first = true;
            await writer.Store.ZeroAsync(stored, 0, stored.Size, p =>
            {
                progress?.Invoke(p);
                if (first)
                {
                    first = false;
                    CrashPoint.Hit("delete.wiping");
                }
            }, cancellationToken).ConfigureAwait(false);
            LogWiped(writer.Logger, writer.Domain, entry.Image, volume, stored.Size, Environment.TickCount64 - started);
            done = ", its extents zeroed";
        }

        if (discard)
        {
            bool discarded = await writer.Store.DiscardAsync(stored, cancellationToken).ConfigureAwait(false);
            done += discarded ? ", discarded" : ", not discarded (the storage does not support it)";
        }

        CrashPoint.Hit("delete.wiped");
        return done;
    }

    private static bool Flag(JournalEntry entry, string key) =>
        entry.Args.TryGetValue(key, out var value) && bool.TryParse(value, out bool set) && set;

    [LoggerMessage(EventId = 620, Level = LogLevel.Information, Message = "domain {Domain}: wiping volume {Volume} of image {Image} before removing it ({Bytes} bytes)")]
    private static partial void LogWiping(ILogger logger, Guid domain, Guid image, Guid volume, long bytes);

    [LoggerMessage(EventId = 621, Level = LogLevel.Information, Message = "domain {Domain}: volume {Volume} of image {Image} wiped ({Bytes} bytes in {Milliseconds} ms)")]
    private static partial void LogWiped(ILogger logger, Guid domain, Guid image, Guid volume, long bytes, long milliseconds);
}
