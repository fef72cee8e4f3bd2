using Sanpool.Agent.Api;
using Sanpool.Api.Pools;
using Sanpool.Core;
using Sanpool.Storage.Chains;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Agent.Handlers.Pools;

/// <summary>
/// <c>domain.volumes</c>: every volume of a domain of the pool, read from this host without a
/// lease: its metadata, its storage (with the LV tags on a block domain) and its qcow2 header,
/// and every image's chain. Any host that reads the domain answers, SPM or not; what it reads
/// while the SPM changes the domain is one consistent view per volume, not a snapshot of the
/// whole domain, so a caller that compares it with something else compares twice before it acts.
/// </summary>
internal sealed class DomainVolumesHandler(PoolConnection connection) : IVerbHandler<DomainVolumesRequest, DomainVolumesReply>
{
    public async Task<DomainVolumesReply> HandleAsync(DomainVolumesRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var store = await connection.Connected.StoreAsync(request.Domain, cancellationToken).ConfigureAwait(false);
        // The SPM changes the domain, maybe from another host: read what it holds now, not a cached view.
        store.Refresh();
        var inventory = await DomainInventory.LoadAsync(store, cancellationToken).ConfigureAwait(false);
        // One image: its volumes, and those its chain reaches in other images (a template's).
        string? only = request.Image?.ToString();
        var chains = inventory.Chains.Where(c => only is null || c.Image == only).ToList();
        var reached = only is null ? null : chains.SelectMany(c => c.Chain).ToHashSet();
        var volumes = new List<VolumeView>(inventory.Volumes.Count);
        foreach (var volume in inventory.Volumes.Where(v => reached is null || v.Image == request.Image || reached.Contains(v.Id)).OrderBy(v => v.Image).ThenBy(v => v.Id))
        {
            volumes.Add(await ViewAsync(store, volume, cancellationToken).ConfigureAwait(false));
        }

        return new DomainVolumesReply
        {
            Domain = request.Domain,
            Volumes = volumes,
            Chains = [.. chains.OrderBy(c => c.Image, StringComparer.Ordinal).Select(c => new ChainView
            {
                Image = Guid.Parse(c.Image),
                Volumes = c.Chain,
                Error = c.Error is { } error ? error.Describe() : null,
            })],
        };
    }

    private static async Task<VolumeView> ViewAsync(IDomainManifest store, VolumeRecord volume, CancellationToken cancellationToken)
    {
        var stored = volume.Stored;
        var view = new VolumeView
        {
            Id = volume.Id,
            Image = volume.Image,
            MetadataError = volume.MetadataError,
            Metadata = volume.Metadata is { } md
                ? new VolumeMetadataView
                {
                    Image = md.Image,
                    Parent = md.Parent,
                    Voltype = md.Role.ToString(),
                    Format = md.Format.ToString(),
                    Type = md.Type.ToString(),
                    Legality = md.Legality.ToString(),
                    Capacity = md.Capacity,
                    Ctime = md.CTime,
                    Generation = md.Generation,
                    Description = md.Description,
                }
                : null,
            Storage = new VolumeStorageView
            {
                Size = stored.Size,
                Truesize = stored.Allocated,
                TagParent = stored.TagParent,
                MetadataSlot = stored.Slot,
                Initializing = stored.Initializing,
                Removing = stored.Removing,
            },
        };

        if (stored.Initializing || stored.Removing)
        {
            // Half made or half removed: its header may be anything, and domain.check names it.
            return view;
        }

        try
        {
            await using var device = await store.OpenVolumeAsync(stored, readOnly: true, cancellationToken).ConfigureAwait(false);
            var header = await Qcow2Header.ReadAsync(device, cancellationToken).ConfigureAwait(false);
            return view with
            {
                Qcow2 = new Qcow2HeaderView { Version = header.Version, Size = header.Size, BackingFile = header.BackingFile, BackingFormat = header.BackingFormat },
            };
        }
        catch (SanpoolException e) when (e.Code == QemuErrors.BadQcow2)
        {
            // A RAW volume has no header; a COW one without a readable header is damaged, and says why.
            return volume.Metadata?.Format == Storage.Metadata.VolumeFormat.RAW ? view : view with { Qcow2Error = e.Message };
        }
    }
}
