using Sanpool.Core;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Operations;

/// <summary>
/// Cold merge of a top volume into its parent, the base (VDSM's prepare/commit/finalize):
/// <code>
/// journal [merge.journaled]
/// prepare:  extend the base as qemu-img measure says [merge.extended]       -- undo: nothing to undo
/// commit:   (point of no return) qemu-img commit top into base [merge.committed]
/// finalize: top ILLEGAL; child rebased -u onto the base, its PUUID and PU_ tag moved
///           (or, with no child, the base becomes the leaf); the base's GEN one up from what
///           the journal recorded (its data changed) [merge.rebased]; top removed
///           [merge.top-removed]; end
/// </code>
/// Why commit is past the point of no return: the base now holds the top's data, and while
/// the top still exists the chain reads the same whether the commit finished or not. So a
/// crash during commit is finished by committing again (the top is unchanged), and a crash
/// in finalize by finishing it; each finalize step is idempotent.
/// </summary>
public static class MergeVolumes
{
    public const string Name = "merge";

    public static readonly string[] CrashPoints = ["merge.journaled", "merge.extended", "merge.committed", "merge.rebased", "merge.top-removed"];

    /// <summary>
    /// What refuses merging <paramref name="topVolume"/> into <paramref name="baseVolume"/> in
    /// <paramref name="chain"/> (the image's chain): the top is not in it, the base is not its
    /// parent, or the base is a shared template. Returns the top's index. The SPM also runs this
    /// before it makes a task.
    /// </summary>
    public static int Check(IReadOnlyList<VolumeRecord> chain, Guid image, Guid baseVolume, Guid topVolume)
    {
        ArgumentNullException.ThrowIfNull(chain);
        int top = chain.ToList().FindIndex(v => v.Id == topVolume);
        if (top < 0 || chain[top].Image != image)
        {
            throw new SanpoolException(StorageErrors.VolumeNotFound, $"no volume {topVolume} in image {image}'s chain");
        }

        if (top == 0 || chain[top - 1].Id != baseVolume)
        {
            throw CommonErrors.Invalid($"volume {baseVolume} is not the parent of {topVolume} in image {image}; merge one layer into its parent");
        }

        if (chain[top - 1].Md.Role == VolumeRole.SHARED)
        {
            throw CommonErrors.Invalid($"volume {baseVolume} is a template shared by other images; it cannot take a merge");
        }

        return top;
    }

    public static async Task RunAsync(DomainWriter writer, Guid image, Guid baseVolume, Guid topVolume, Action<double>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var inventory = await DomainInventory.LoadAsync(writer.Store, cancellationToken).ConfigureAwait(false);
        var chain = inventory.ChainOf(image);
        int top = Check(chain, image, baseVolume, topVolume);
        var baseRecord = chain[top - 1];

        // Commit is past the point of no return: refuse an untrusted chain before the journal entry, not during it.
        await TrustedChain.VerifyAsync(writer.Store, chain, cancellationToken).ConfigureAwait(false);
        // The base's generation before the merge, so finalize sets the one after it however often it runs.
        var args = new Dictionary<string, string>
        {
            ["base"] = baseVolume.ToString(),
            ["top"] = topVolume.ToString(),
            ["base_gen"] = baseRecord.Md.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (top + 1 < chain.Count)
        {
            args["child"] = chain[top + 1].Id.ToString();
        }

        var entry = OperationRunner.Entry(writer, Name, image, args) with { Phase = "prepare" };
        await OperationRunner.RunAsync(writer, entry, async journal =>
        {
            CrashPoint.Hit("merge.journaled");
            await ExtendBaseAsync(writer, chain, top, cancellationToken).ConfigureAwait(false);
            CrashPoint.Hit("merge.extended");
            await journal.PhaseAsync("commit", forward: true, cancellationToken).ConfigureAwait(false);
            await CommitAsync(writer, image, baseVolume, topVolume, progress, cancellationToken).ConfigureAwait(false);
            CrashPoint.Hit("merge.committed");
            await journal.PhaseAsync("finalize", forward: true, cancellationToken).ConfigureAwait(false);
            await FinalizeAsync(writer, journal.Entry, cancellationToken).ConfigureAwait(false);
            return true;
        }, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<string> FinishAsync(DomainWriter writer, JournalEntry entry, CancellationToken cancellationToken)
    {
        if (entry.Phase == "commit")
        {
            await CommitAsync(writer, entry.Image, entry.GuidArg("base"), entry.GuidArg("top"), null, cancellationToken).ConfigureAwait(false);
        }

        await FinalizeAsync(writer, entry, cancellationToken).ConfigureAwait(false);
        return $"merge of {entry.Arg("top")} into {entry.Arg("base")} finished from phase '{entry.Phase}'";
    }

    private static async Task ExtendBaseAsync(DomainWriter writer, IReadOnlyList<VolumeRecord> chain, int top, CancellationToken cancellationToken)
    {
        var baseRecord = chain[top - 1];
        if (!writer.Store.FixedSize || baseRecord.Md.Format != VolumeFormat.COW)
        {
            return; // files grow; a raw base already holds its whole capacity
        }

        // The new extents need no zeroing: the base is qcow2, which exposes only clusters it
        // wrote in full (BlockVolumeStore.ExtendAsync).

        await using var prepared = await TrustedChain.PrepareAsync(writer.Store, UpTo(chain, chain[top].Id), fresh: null, cancellationToken).ConfigureAwait(false);
        var measure = await writer.QemuImg.MeasureAsync(QemuTarget.Path(prepared.PathOf(chain[top].Id)), QemuImageFormat.Qcow2, QemuImageFormat.Qcow2,
            cancellationToken).ConfigureAwait(false);
        if (measure.Required > baseRecord.Stored.Size)
        {
            await writer.Store.ExtendAsync(baseRecord.Stored, measure.Required, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task CommitAsync(DomainWriter writer, Guid image, Guid baseVolume, Guid topVolume, Action<double>? progress, CancellationToken cancellationToken)
    {
        // Reloaded: recovery comes here with only the journal entry. Until finalize nothing is ILLEGAL.
        var chain = (await DomainInventory.LoadAsync(writer.Store, cancellationToken).ConfigureAwait(false)).ChainOf(image);
        await using var prepared = await TrustedChain.PrepareAsync(writer.Store, UpTo(chain, topVolume), fresh: null, cancellationToken).ConfigureAwait(false);
        await writer.QemuImg.CommitAsync(QemuTarget.Path(prepared.PathOf(topVolume)), QemuImageFormat.Qcow2, prepared.PathOf(baseVolume), progress,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The chain from its base up to and including <paramref name="top"/>: what qemu needs open to read the top.</summary>
    private static List<VolumeRecord> UpTo(IReadOnlyList<VolumeRecord> chain, Guid top) =>
        [.. chain.Take(chain.ToList().FindIndex(v => v.Id == top) + 1)];

    private static async Task FinalizeAsync(DomainWriter writer, JournalEntry entry, CancellationToken cancellationToken)
    {
        var store = writer.Store;
        var baseVolume = entry.GuidArg("base");
        var topVolume = entry.GuidArg("top");
        var inventory = await DomainInventory.LoadAsync(store, cancellationToken).ConfigureAwait(false);
        var baseRecord = inventory.Find(baseVolume) ?? throw new SanpoolException(StorageErrors.VolumeNotFound, $"merge base {baseVolume} is gone");
        if (inventory.Find(topVolume) is { Metadata: not null } topRecord)
        {
            await VolumeSteps.UpdateAsync(store, topRecord.Stored, m => m with { Legality = Legality.ILLEGAL }, cancellationToken).ConfigureAwait(false);
        }

        if (entry.Args.ContainsKey("child"))
        {
            var child = inventory.Find(entry.GuidArg("child")) ?? throw new SanpoolException(StorageErrors.VolumeNotFound, $"merge child {entry.Arg("child")} is gone");
            await TrustedChain.VerifyAloneAsync(store, child, cancellationToken).ConfigureAwait(false);
            await using (var prepared = await store.PrepareAsync([child.Stored], cancellationToken).ConfigureAwait(false))
            {
                await writer.QemuImg.RebaseUnsafeAsync(QemuTarget.Path(prepared.PathOf(child.Id)),
                    new QemuBacking(baseVolume.ToString(), baseRecord.Md.Format.QemuFormat()), cancellationToken).ConfigureAwait(false);
            }

            await VolumeSteps.UpdateAsync(store, child.Stored, m => m with { Parent = baseVolume }, cancellationToken).ConfigureAwait(false);
            await store.SetParentAsync(child.Stored, baseVolume, cancellationToken).ConfigureAwait(false);
        }

        // The base took the top's data: one generation up (VDSM moves it on for a merge into a
        // volume). Set from the recorded one, not incremented, so a finalize run again after a
        // crash leaves it where the first run put it. Entries from before base_gen was recorded
        // leave it alone.
        int? generation = entry.Args.TryGetValue("base_gen", out var gen) ? VolumeMetadata.Next(int.Parse(gen, System.Globalization.CultureInfo.InvariantCulture)) : null;
        bool leaf = !entry.Args.ContainsKey("child");
        await VolumeSteps.UpdateAsync(store, baseRecord.Stored, m => m with
        {
            Role = leaf ? VolumeRole.LEAF : m.Role,
            Generation = generation ?? m.Generation,
        }, cancellationToken).ConfigureAwait(false);

        CrashPoint.Hit("merge.rebased");
        await store.RemoveAsync(entry.Image, topVolume, cancellationToken).ConfigureAwait(false);
        CrashPoint.Hit("merge.top-removed");
    }
}
