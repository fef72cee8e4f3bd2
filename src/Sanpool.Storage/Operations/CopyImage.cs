using Sanpool.Core;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Operations;

/// <summary>
/// Copies an image's chain into another domain (block or file, either way), or into the same
/// one as a template:
/// <list type="bullet">
/// <item>as it is: every volume of the image keeps its UUID and kind; a raw base is copied
/// whole into pre-sized storage (<c>convert -n</c>: storage that was an LV is not known to read
/// zeros, so qemu-img writes the zeros too, and every byte up to the capacity), each qcow2 layer with <c>convert -B &lt;parent&gt;</c>, which writes only the
/// clusters that layer holds. A template base must already be on the target.</item>
/// <item>collapsed: the whole chain read through its leaf into one new volume.</item>
/// </list>
/// journal on the target [copy.journaled] -> per volume: undo recorded, storage allocated
/// ILLEGAL [copy.allocated], what the copy does not write of it zeroed (a raw LV past its
/// capacity, a qcow2 LV's start: <see cref="VolumeSteps.CleanNewAsync"/>), data copied [copy.copied] -> all LEGAL, ready [copy.legal] -> end.
/// Undo: remove every volume created.
/// </summary>
public static class CopyImage
{
    public const string Name = "copy";

    public static readonly string[] CrashPoints = ["copy.journaled", "copy.allocated", "copy.copied", "copy.legal"];

    /// <summary>
    /// What refuses the copy as the two inventories show the domains (no such source image, a
    /// broken or unfinished chain, the new image already on the target); returns the source
    /// chain. The SPM also runs this before it makes a task.
    /// </summary>
    public static IReadOnlyList<VolumeRecord> Check(DomainInventory sourceInventory, Guid image, DomainInventory targetInventory, Guid targetDomain,
        CopyOptions options)
    {
        ArgumentNullException.ThrowIfNull(sourceInventory);
        ArgumentNullException.ThrowIfNull(targetInventory);
        ArgumentNullException.ThrowIfNull(options);
        var chain = sourceInventory.ChainOf(image);
        var newImage = options.NewImage ?? image;
        if (targetInventory.HasImage(newImage))
        {
            throw new SanpoolException(StorageErrors.ImageExists, $"image {newImage} already exists in domain {targetDomain}");
        }

        return chain;
    }

    /// <summary>Copies <paramref name="image"/> of <paramref name="source"/> into <paramref name="target"/>'s domain; returns the new volumes.</summary>
    public static async Task<IReadOnlyList<Guid>> RunAsync(IDomainManifest source, Guid image, DomainWriter target, CopyOptions options, Action<double>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        var sourceInventory = await DomainInventory.LoadAsync(source, cancellationToken).ConfigureAwait(false);
        var targetInventory = await DomainInventory.LoadAsync(target.Store, cancellationToken).ConfigureAwait(false);
        var chain = Check(sourceInventory, image, targetInventory, target.Domain, options);
        var newImage = options.NewImage ?? image;
        var plan = Plan(chain, image, newImage, options, targetInventory, target.Domain, target.Store.FixedSize);
        await TrustedChain.VerifyAsync(source, chain, cancellationToken).ConfigureAwait(false);
        if (plan.FirstOrDefault(s => s.TargetTemplate is not null)?.TargetTemplate is { } targetTemplate)
        {
            await TrustedChain.VerifyAsync(target.Store, [targetTemplate], cancellationToken).ConfigureAwait(false);
        }

        var entry = OperationRunner.Entry(target, options.Template ? CreateTemplate.Name : Name, newImage, new()
        {
            ["source_domain"] = source.Info.Uuid.ToString(),
            ["source_image"] = image.ToString(),
            ["collapse"] = options.Collapse.ToString(),
        });
        return await OperationRunner.RunAsync(target, entry, async journal =>
        {
            CrashPoint.Hit("copy.journaled");
            var made = new List<StoredVolume>();
            for (int i = 0; i < plan.Count; i++)
            {
                var step = plan[i];
                await journal.PushUndoAsync(new UndoStep(UndoAction.RemoveVolume, newImage, step.NewVolume), cancellationToken).ConfigureAwait(false);
                long size = await TargetSizeAsync(source, target, chain, step, cancellationToken).ConfigureAwait(false);
                var stored = await target.Store.AllocateAsync(new VolumeAllocation(step.Metadata, step.NewVolume, size), cancellationToken).ConfigureAwait(false);
                CrashPoint.Hit("copy.allocated");
                await VolumeSteps.CleanNewAsync(target.Store, stored, step.Metadata.Format,
                    copiedUpTo: step.Metadata.Format == VolumeFormat.RAW ? step.Metadata.Capacity : null, cancellationToken).ConfigureAwait(false);
                int index = i;
                await CopyDataAsync(source, chain, target, made, stored, step, p => progress?.Invoke(((index * 100.0) + p) / plan.Count), cancellationToken)
                    .ConfigureAwait(false);
                CrashPoint.Hit("copy.copied");
                made.Add(stored);
            }

            foreach (var stored in made)
            {
                await VolumeSteps.UpdateAsync(target.Store, stored, m => m with { Legality = Legality.LEGAL }, cancellationToken).ConfigureAwait(false);
                await target.Store.MarkReadyAsync(stored, cancellationToken).ConfigureAwait(false);
            }

            CrashPoint.Hit("copy.legal");
            return (IReadOnlyList<Guid>)[.. plan.Select(p => p.NewVolume)];
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// One volume to make on the target from source volume <see cref="SourceIndex"/> (read through
    /// its chain): the whole chain collapsed, or one layer over <see cref="Backing"/>.
    /// </summary>
    private sealed record CopyStep(Guid NewVolume, VolumeMetadata Metadata, int SourceIndex, bool Collapsed, QemuBacking? Backing, VolumeRecord? TargetTemplate);

    private static List<CopyStep> Plan(IReadOnlyList<VolumeRecord> chain, Guid image, Guid newImage, CopyOptions options, DomainInventory target, Guid targetDomain,
        bool fixedSize)
    {
        var leaf = chain[^1].Md;
        if (options.Collapse || options.Template)
        {
            var format = options.Format ?? (chain.All(v => v.Md.Format == VolumeFormat.RAW) ? VolumeFormat.RAW : VolumeFormat.COW);
            var md = leaf with
            {
                Domain = targetDomain,
                Image = newImage,
                Parent = VolumeMetadata.NoParent,
                Format = format,
                Type = format == VolumeFormat.RAW ? AllocationType.PREALLOCATED : AllocationType.SPARSE,
                Role = options.Template ? VolumeRole.SHARED : VolumeRole.LEAF,
                Legality = Legality.ILLEGAL,
                CTime = VolumeSteps.Now(),
                Generation = 0,
            };
            return [new CopyStep(options.NewVolume ?? Guid.NewGuid(), md, chain.Count - 1, Collapsed: true, null, null)];
        }

        var steps = new List<CopyStep>();
        VolumeRecord? template = null;
        for (int i = 0; i < chain.Count; i++)
        {
            var v = chain[i];
            if (v.Image != image)
            {
                template = target.Find(v.Id) is { Metadata.Role: VolumeRole.SHARED } t ? t
                    : throw CommonErrors.Invalid($"image {image} is made from template volume {v.Id}, which is not on domain {targetDomain}; copy the template first, or use --collapse");
                continue;
            }

            var md = v.Md with { Domain = targetDomain, Image = newImage, Legality = Legality.ILLEGAL, Generation = 0 };
            if (md.Format == VolumeFormat.RAW && fixedSize)
            {
                md = md with { Type = AllocationType.PREALLOCATED }; // a RAW volume on a block domain is preallocated (CreateImage.CheckAllowed)
            }

            // The source chain is ordered, so a layer's parent is the volume before it (its own, or the template).
            var backing = i == 0 ? null : new QemuBacking(chain[i - 1].Id.ToString(), chain[i - 1].Md.Format.QemuFormat());
            steps.Add(new CopyStep(v.Id, md, i, Collapsed: false, backing, template));
        }

        return steps;
    }

    private static async Task<long> TargetSizeAsync(IDomainManifest source, DomainWriter target, IReadOnlyList<VolumeRecord> chain, CopyStep step, CancellationToken cancellationToken)
    {
        var md = step.Metadata;
        long initial = target.Store.InitialSize(md.Format, md.Type, md.Capacity);
        if (md.Format == VolumeFormat.RAW)
        {
            return initial;
        }

        // A layer needs at most what it uses on the source; a collapsed chain, what qemu-img measures.
        if (step.Collapsed)
        {
            await using var prepared = await TrustedChain.PrepareAsync(source, chain, fresh: null, cancellationToken).ConfigureAwait(false);
            var measure = await target.QemuImg.MeasureAsync(QemuTarget.Path(prepared.PathOf(chain[^1].Id)), chain[^1].Md.Format.QemuFormat(),
                QemuImageFormat.Qcow2, cancellationToken).ConfigureAwait(false);
            return Math.Max(initial, measure.Required);
        }

        return Math.Max(initial, chain[step.SourceIndex].Stored.Size);
    }

    private static async Task CopyDataAsync(IDomainManifest source, IReadOnlyList<VolumeRecord> chain, DomainWriter target, List<StoredVolume> made,
        StoredVolume stored, CopyStep step, Action<double> progress, CancellationToken cancellationToken)
    {
        var sourceChain = chain.Take(step.SourceIndex + 1).ToList();
        var targetChain = new List<StoredVolume>();
        if (step.TargetTemplate is { } t)
        {
            await target.Store.LinkTemplateAsync(t.Stored, stored.Image, cancellationToken).ConfigureAwait(false);
            targetChain.Add(t.Stored);
        }

        targetChain.AddRange(made);
        targetChain.Add(stored);
        await using var from = await TrustedChain.PrepareAsync(source, sourceChain, fresh: null, cancellationToken).ConfigureAwait(false);

        // The target's layers below this one were written by this copy; its template was checked before the copy began.
        await using var to = await target.Store.PrepareAsync(targetChain, cancellationToken).ConfigureAwait(false);
        var src = chain[step.SourceIndex];
        var outFormat = step.Metadata.Format.QemuFormat();
        var options = outFormat == QemuImageFormat.Raw
            ? new QemuConvertOptions { CreateTarget = false }
            : new QemuConvertOptions { TargetBacking = step.Backing };
        await target.QemuImg.ConvertAsync(QemuTarget.Path(from.PathOf(src.Id)), src.Md.Format.QemuFormat(), QemuTarget.Path(to.PathOf(stored.Volume)),
            outFormat, options, progress, cancellationToken).ConfigureAwait(false);
    }
}
