using Sanpool.Core;
using Sanpool.Storage.Chains;
using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Volumes;

/// <summary>Every volume of a domain with its metadata, and the chains they form.</summary>
public sealed class DomainInventory
{
    private DomainInventory(IReadOnlyList<VolumeRecord> volumes)
    {
        Volumes = volumes;
        Chains = ChainAnalysis.Analyze(volumes.Where(v => !v.Stored.Removing).Select(v => v.ToInfo()));
    }

    public IReadOnlyList<VolumeRecord> Volumes { get; }

    public IReadOnlyList<ImageChain> Chains { get; }

    public static async Task<DomainInventory> LoadAsync(IVolumeStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stored = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        return new DomainInventory(await store.ReadRecordsAsync(stored, cancellationToken).ConfigureAwait(false));
    }

    public VolumeRecord? Find(Guid volume) => Volumes.FirstOrDefault(v => v.Id == volume && !v.Stored.Removing);

    public VolumeRecord Get(Guid image, Guid volume) =>
        Find(volume) is { } v && (v.Image == image || v.Md.Role == VolumeRole.SHARED)
            ? v
            : throw new SanpoolException(StorageErrors.VolumeNotFound, $"no volume {volume} in image {image}");

    public bool HasImage(Guid image) => Volumes.Any(v => v.Image == image);

    /// <summary>Volumes whose metadata names <paramref name="volume"/> as parent.</summary>
    public IEnumerable<VolumeRecord> ChildrenOf(Guid volume) =>
        Volumes.Where(v => !v.Stored.Removing && v.Metadata?.Parent == volume && v.Id != volume);

    /// <summary>The image's chain, base first (a template's volume first if it has one); errors if broken or half-made.</summary>
    public IReadOnlyList<VolumeRecord> ChainOf(Guid image)
    {
        var chain = Chains.FirstOrDefault(c => c.Image == image.ToString())
            ?? throw new SanpoolException(StorageErrors.ImageNotFound, $"no image {image}");
        if (!chain.IsValid)
        {
            throw new SanpoolException(StorageErrors.ChainBroken,
                $"image {image}: {chain.Error!.Value.Describe()}; see 'sanpool dump-volume-chains' and 'sanpool domain check'");
        }

        var records = chain.Chain.Select(id => Find(id)!).ToList();
        if (records.FirstOrDefault(r => r.Stored.Initializing || r.Md.Legality != Legality.LEGAL) is { } bad)
        {
            throw new SanpoolException(StorageErrors.VolumeIllegal,
                $"image {image}: volume {bad.Id} is {(bad.Stored.Initializing ? "still being created" : bad.Md.Legality.ToString())}");
        }

        return records;
    }
}
