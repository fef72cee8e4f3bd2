using Sanpool.Core;
using Sanpool.Storage.Chains;
using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Volumes;

/// <summary>Every volume of a domain with its metadata, and the chains they form.</summary>
public sealed class DomainInventory
{
    // Lookups built once, so that asking about every volume (domain check) is not quadratic.
    private readonly Dictionary<Guid, VolumeRecord> _byId = [];
    private readonly ILookup<Guid, VolumeRecord> _byParent;
    private readonly ILookup<Guid, VolumeRecord> _byImage;
    private readonly List<VolumeRecord> _shared;

    private DomainInventory(IReadOnlyList<VolumeRecord> volumes)
    {
        Volumes = volumes;
        var live = volumes.Where(v => !v.Stored.Removing).ToList();
        Chains = ChainAnalysis.Analyze(live.Select(v => v.ToInfo()));
        foreach (var v in live)
        {
            _byId.TryAdd(v.Id, v);
        }

        _byParent = live.Where(v => v.Metadata is not null).ToLookup(v => v.Metadata!.Parent);
        _byImage = volumes.ToLookup(v => v.Image);
        _shared = [.. volumes.Where(v => v.Metadata?.Role == VolumeRole.SHARED)];
    }

    public IReadOnlyList<VolumeRecord> Volumes { get; }

    public IReadOnlyList<ImageChain> Chains { get; }

    public static async Task<DomainInventory> LoadAsync(IDomainManifest store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stored = await store.ListAsync(cancellationToken).ConfigureAwait(false);
        return new DomainInventory(await store.ReadRecordsAsync(stored, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The volume (the first listed, if the storage holds it twice), unless it is being removed.</summary>
    public VolumeRecord? Find(Guid volume) => _byId.GetValueOrDefault(volume);

    public VolumeRecord Get(Guid image, Guid volume) =>
        Find(volume) is { } v && (v.Image == image || v.Md.Role == VolumeRole.SHARED)
            ? v
            : throw new SanpoolException(StorageErrors.VolumeNotFound, $"no volume {volume} in image {image}");

    public bool HasImage(Guid image) => Volumes.Any(v => v.Image == image);

    /// <summary>Volumes whose metadata names <paramref name="volume"/> as parent.</summary>
    public IEnumerable<VolumeRecord> ChildrenOf(Guid volume) => _byParent[volume].Where(v => v.Id != volume);

    /// <summary>The volumes filed under <paramref name="image"/>, and every template (SHARED) volume: what its qcow2 headers may name.</summary>
    public IEnumerable<VolumeRecord> VisibleFrom(Guid image) => _byImage[image].Concat(_shared);

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
