using Sanpool.Core;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Operations;

/// <summary>
/// Creates an image: one volume, RAW or COW, preallocated or sparse, optionally on top of a
/// template's shared volume. Steps (crash points in brackets):
/// journal [create.journaled] -> storage, metadata ILLEGAL, lease [create.allocated]
/// -> what a reader could see of the storage zeroed (block: all of a RAW LV, the start of a
/// qcow2 one; <see cref="VolumeSteps.CleanNewAsync"/>) -> qcow2 header [create.written] -> LEGAL, ready [create.legal] -> journal end.
/// Undo: remove the volume.
/// </summary>
public static class CreateImage
{
    public const string Name = "create";

    public static readonly string[] CrashPoints = ["create.journaled", "create.allocated", "create.written", "create.legal"];

    /// <summary>
    /// What refuses <paramref name="spec"/> on the domain of <paramref name="store"/> as
    /// <paramref name="inventory"/> shows it (a format and allocation the domain does not allow,
    /// the image or volume exists, the template is missing or not one); returns the template
    /// volume under the new image, if any. The SPM also runs this before it makes a task.
    /// </summary>
    public static VolumeRecord? Check(DomainInventory inventory, IDomainManifest store, ImageSpec spec)
    {
        ArgumentNullException.ThrowIfNull(inventory);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(spec);
        var domain = store.Info.Uuid;
        Validate(spec);
        CheckAllowed(store, spec.Format, spec.Allocation);
        if (inventory.HasImage(spec.Image))
        {
            throw new SanpoolException(StorageErrors.ImageExists, $"image {spec.Image} already exists in domain {domain}");
        }

        if (inventory.Find(spec.Volume) is not null)
        {
            throw CommonErrors.Invalid($"volume {spec.Volume} already exists in domain {domain}");
        }

        return spec.Template is { } t ? TemplateVolume(inventory, t) : null;
    }

    public static async Task<Guid> RunAsync(DomainWriter writer, ImageSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(spec);
        var inventory = await DomainInventory.LoadAsync(writer.Store, cancellationToken).ConfigureAwait(false);
        var template = Check(inventory, writer.Store, spec);
        var entry = OperationRunner.Entry(writer, Name, spec.Image, new() { ["volume"] = spec.Volume.ToString() });
        return await OperationRunner.RunAsync(writer, entry, async journal =>
        {
            await journal.PushUndoAsync(new UndoStep(UndoAction.RemoveVolume, spec.Image, spec.Volume), cancellationToken).ConfigureAwait(false);
            CrashPoint.Hit("create.journaled");
            var md = new VolumeMetadata
            {
                Domain = writer.Domain,
                Image = spec.Image,
                Parent = template?.Id ?? VolumeMetadata.NoParent,
                Format = spec.Format,
                Type = spec.Allocation,
                Legality = Legality.ILLEGAL,
                Description = spec.Description,
                CTime = VolumeSteps.Now(),
                Capacity = spec.Capacity,
            };
            long size = writer.Store.InitialSize(spec.Format, spec.Allocation, spec.Capacity);
            var stored = await writer.Store.AllocateAsync(new VolumeAllocation(md, spec.Volume, size), cancellationToken).ConfigureAwait(false);
            CrashPoint.Hit("create.allocated");
            await VolumeSteps.CleanNewAsync(writer.Store, stored, spec.Format, copiedUpTo: null, cancellationToken).ConfigureAwait(false);
            if (template is not null)
            {
                await writer.Store.LinkTemplateAsync(template.Stored, spec.Image, cancellationToken).ConfigureAwait(false);
            }

            if (spec.Format == VolumeFormat.COW)
            {
                var backing = template is null ? null : new QemuBacking(template.Id.ToString(), template.Md.Format.QemuFormat());
                await WriteQcow2Async(writer, template is null ? [] : [template], stored, spec.Capacity, backing, spec.Allocation, cancellationToken).ConfigureAwait(false);
            }

            CrashPoint.Hit("create.written");
            await VolumeSteps.UpdateAsync(writer.Store, stored, m => m with { Legality = Legality.LEGAL }, cancellationToken).ConfigureAwait(false);
            await writer.Store.MarkReadyAsync(stored, cancellationToken).ConfigureAwait(false);
            CrashPoint.Hit("create.legal");
            return spec.Volume;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a qcow2 header into <paramref name="fresh"/>, exposed on top of <paramref name="below"/> (checked first).</summary>
    internal static async Task WriteQcow2Async(DomainWriter writer, IReadOnlyList<VolumeRecord> below, StoredVolume fresh, long capacity, QemuBacking? backing,
        AllocationType allocation, CancellationToken cancellationToken)
    {
        await using var prepared = await TrustedChain.PrepareAsync(writer.Store, below, fresh, cancellationToken).ConfigureAwait(false);
        var prealloc = allocation == AllocationType.PREALLOCATED && !writer.Store.FixedSize ? QemuPreallocation.Falloc : (QemuPreallocation?)null;
        await writer.QemuImg.CreateAsync(QemuTarget.Path(prepared.PathOf(fresh.Volume)), QemuImageFormat.Qcow2, capacity, backing, prealloc,
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// VDSM's rule for the pairs of format and allocation: on a block domain a RAW volume is
    /// preallocated (an LV holds its whole capacity from the start; "sparse" would be a lie
    /// the manager then shows), so RAW sparse is refused there. A file domain takes all four.
    /// </summary>
    /// <exception cref="SanpoolException">INVALID_ARGUMENT naming the rule.</exception>
    public static void CheckAllowed(IDomainManifest store, VolumeFormat format, AllocationType allocation)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.FixedSize && format == VolumeFormat.RAW && allocation == AllocationType.SPARSE)
        {
            throw CommonErrors.Invalid(
                $"RAW volumes on {store.Kind} domain {store.Info.Uuid} must be preallocated (VDSM's rule: a raw LV holds its whole capacity); " +
                "ask for --allocation preallocated, or --format cow for a thin volume");
        }
    }

    private static VolumeRecord TemplateVolume(DomainInventory inventory, Guid templateImage)
    {
        var chain = inventory.ChainOf(templateImage);
        if (chain.Count != 1 || chain[0].Md.Role != VolumeRole.SHARED)
        {
            throw CommonErrors.Invalid($"image {templateImage} is not a template (one SHARED volume)");
        }

        return chain[0];
    }

    private static void Validate(ImageSpec spec)
    {
        if (spec.Capacity <= 0 || spec.Capacity % 512 != 0 || spec.Capacity > VolumeMetadata.MaxCapacity)
        {
            throw CommonErrors.Invalid($"size {spec.Capacity} must be a positive multiple of 512 bytes, at most {VolumeMetadata.MaxCapacity}");
        }

        if (spec.Template is not null && spec.Format != VolumeFormat.COW)
        {
            throw CommonErrors.Invalid("an image made from a template is COW (a qcow2 layer over the template)");
        }

        if (spec.Description.Length > VolumeMetadata.MaxDescription)
        {
            throw CommonErrors.Invalid($"description is {spec.Description.Length} characters; at most {VolumeMetadata.MaxDescription}");
        }
    }
}
