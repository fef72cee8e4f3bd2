using Microsoft.Extensions.Logging;
using Sanpool.Core;
using Sanpool.DataPath;
using Sanpool.Nbd;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Volumes;

namespace Sanpool.Pool.Serving;

/// <summary>
/// Makes images usable on this host (VDSM's prepareImage / teardownImage): each volume of the
/// chain is served — an LV over this host's NBD server, a file as itself — the leaf writable,
/// its parents read-only, and a thin leaf handed to the thin watcher, which asks the SPM for
/// space as it fills. Structure is only read here: any host may prepare, the SPM included.
/// Preparing an image already prepared gives the same preparation; teardown of an image that
/// is not prepared does nothing. Preparations outlive the host's connection to the pool (a
/// master move reconnects it): <c>host</c> gives the connection of the moment.
/// <para>
/// A read-only volume may be in the chains of several images: a template under every image
/// made from it. Its export is served once per host and counted; the last teardown using it
/// stops it. A writable export (a leaf) is never shared.
/// </para>
/// </summary>
public sealed partial class VolumeServer : IAsyncDisposable
{
    private readonly Func<PoolHost> _host;
    private readonly NbdServer _exports;
    private readonly IThinWatcher? _thin;
    private readonly LvDataPathMode _lvPath;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<(Guid Domain, Guid Image), PreparedImage> _prepared = [];

    /// <summary>Exports served, by name, with how many prepared volumes use each; only touched under the gate.</summary>
    private readonly Dictionary<string, (LvExport Export, int Users)> _served = new(StringComparer.Ordinal);

    /// <param name="lvPath">How this host reaches the LVs it exports (<see cref="LvExport"/>); Auto picks by its device-mapper.</param>
    public VolumeServer(Func<PoolHost> host, NbdServer exports, IThinWatcher? thin, LvDataPathMode lvPath, ILogger logger)
    {
        _host = host;
        _exports = exports;
        _thin = thin;
        _lvPath = lvPath;
        _logger = logger;
    }

    private int HostId => _host().Options.HostId;

    public IReadOnlyList<PreparedImage> Prepared
    {
        get
        {
            lock (_prepared)
            {
                return [.. _prepared.Values];
            }
        }
    }

    public async Task<PreparedImage> PrepareAsync(Guid domain, Guid image, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Find(domain, image) is { } done)
            {
                return done;
            }

            var store = await _host().StoreAsync(domain, cancellationToken).ConfigureAwait(false);
            // Another host (the SPM) changes the domain: read what it holds now, not a cached view.
            store.Refresh();
            var inventory = await DomainInventory.LoadAsync(store, cancellationToken).ConfigureAwait(false);
            var records = inventory.ChainOf(image);
            var chain = new List<PreparedVolume>(records.Count);
            try
            {
                foreach (var record in records)
                {
                    chain.Add(await ServeAsync(store, record, isLeaf: record == records[^1], cancellationToken).ConfigureAwait(false));
                }
            }
            catch
            {
                await ReleaseAsync(chain).ConfigureAwait(false);
                throw;
            }

            PreparedVolumes? files = null;
            if (store.FixedSize && chain.Count > 1)
            {
                // qemu (7.2) opens a backing chain from one json: tree only if every backing link
                // names a file: an NBD node has no directory to resolve the bare UUIDs of the
                // qcow2 headers against, and qemu asks for one unless the backing's protocol node
                // is given by file name. So the read-only parents are also files of a FUSE mount
                // over their LVs; the leaf, the one volume written and grown, is the NBD export.
                try
                {
                    files = await store.PrepareAsync([.. records.Take(records.Count - 1).Select(r => r.Stored)], cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    await ReleaseAsync(chain).ConfigureAwait(false);
                    throw;
                }

                for (int i = 0; i < chain.Count - 1; i++)
                {
                    chain[i] = chain[i] with { FilePath = files.PathOf(chain[i].Volume) };
                }
            }

            var prepared = new PreparedImage(domain, image, chain, DriveSpec.Of(chain, _exports.SocketPath), _exports.SocketPath) { Files = files };
            lock (_prepared)
            {
                _prepared[(domain, image)] = prepared;
            }

            if (prepared.Leaf is { Thin: true, Export: { } leaf })
            {
                _thin?.Watch(leaf);
            }

            LogPrepared(_logger, HostId, domain, image, chain.Count, prepared.Leaf.Volume, prepared.Leaf.Thin);
            return prepared;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops serving the image; false if it was not prepared.</summary>
    public async Task<bool> TeardownAsync(Guid domain, Guid image, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            PreparedImage? prepared;
            lock (_prepared)
            {
                if (_prepared.Remove((domain, image), out prepared) is false)
                {
                    return false;
                }
            }

            if (prepared.Leaf is { Thin: true, Export: { } leaf })
            {
                if (_thin is not null)
                {
                    await _thin.UnwatchAsync(leaf).ConfigureAwait(false);
                }
            }

            await ReleaseAsync(prepared.Chain).ConfigureAwait(false);
            if (prepared.Files is { } files)
            {
                await files.DisposeAsync().ConfigureAwait(false);
            }

            LogTornDown(_logger, HostId, domain, image);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var prepared in Prepared)
        {
            await TeardownAsync(prepared.Domain, prepared.Image, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private PreparedImage? Find(Guid domain, Guid image)
    {
        lock (_prepared)
        {
            return _prepared.GetValueOrDefault((domain, image));
        }
    }

    private async Task<PreparedVolume> ServeAsync(IDomainManifest store, VolumeRecord record, bool isLeaf, CancellationToken cancellationToken)
    {
        var md = record.Md;
        bool writable = isLeaf && md.Role == VolumeRole.LEAF;
        // A sparse qcow2 LV grows on demand up to what a fully allocated one would get (VDSM: capacity x 1.1).
        bool thin = writable && store.FixedSize && md.Format == VolumeFormat.COW && md.Type == AllocationType.SPARSE;
        long exportSize = thin ? store.InitialSize(VolumeFormat.COW, AllocationType.PREALLOCATED, md.Capacity) : record.Stored.Size;
        if (!writable && _served.TryGetValue(LvExport.NameOf(store.Info.Uuid, record.Id), out var shared) && shared.Export.ReadOnly)
        {
            _served[shared.Export.Name] = (shared.Export, shared.Users + 1);
            LogShared(_logger, HostId, shared.Export.Name, shared.Users + 1);
            return new PreparedVolume(record.Id, md.Format, Writable: false, Thin: false, shared.Export, null);
        }

        var export = await LvExport.OpenAsync(store, record.Stored, exportSize, readOnly: !writable, _lvPath, cancellationToken).ConfigureAwait(false);
        if (export is null)
        {
            return new PreparedVolume(record.Id, md.Format, writable, Thin: false, null,
                store.FilePathOf(record.Stored) ?? throw new SanpoolException(CommonErrors.NotFound, $"volume {record.Stored} has neither an export nor a file"));
        }

        try
        {
            _exports.AddExport(export);
        }
        catch
        {
            await export.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        _served[export.Name] = (export, 1);
        return new PreparedVolume(record.Id, md.Format, writable, thin, export, null);
    }

    private async Task ReleaseAsync(IEnumerable<PreparedVolume> chain)
    {
        foreach (var volume in chain.Reverse())
        {
            if (volume.Export is not { } export)
            {
                continue;
            }

            if (_served.TryGetValue(export.Name, out var served) && served.Users > 1)
            {
                _served[export.Name] = (served.Export, served.Users - 1);
                continue;
            }

            _served.Remove(export.Name);
            await _exports.RemoveExportAsync(export.Name, CancellationToken.None).ConfigureAwait(false);
            await export.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 850, Level = LogLevel.Information, Message = "host {HostId}: prepared image {Image} of domain {Domain}: {Count} volume(s), leaf {Leaf} (thin: {Thin})")]
    private static partial void LogPrepared(ILogger logger, int hostId, Guid domain, Guid image, int count, Guid leaf, bool thin);

    [LoggerMessage(EventId = 8632, Level = LogLevel.Debug, Message = "host {HostId}: read-only export {Export} shared, now by {Users} prepared images")]
    private static partial void LogShared(ILogger logger, int hostId, string export, int users);

    [LoggerMessage(EventId = 851, Level = LogLevel.Information, Message = "host {HostId}: tore down image {Image} of domain {Domain}")]
    private static partial void LogTornDown(ILogger logger, int hostId, Guid domain, Guid image);
}
