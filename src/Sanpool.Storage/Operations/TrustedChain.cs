using Sanpool.Core;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Operations;

/// <summary>
/// The gate in front of every qemu-img run (safety rule 4): qcow2 headers are written by
/// guests and uploads, so before qemu opens a chain, each volume it will read has its header
/// decoded natively and checked:
/// <list type="bullet">
/// <item>the backing name passes <see cref="BackingFilePolicy"/> (a bare volume UUID, an explicit
/// raw/qcow2 format, no external data file; on a file domain no symlink out of the image
/// directory, for the volume's own entry as well);</item>
/// <item>the backing is exactly the volume below it in the chain we were given, which is the
/// chain the metadata describes, so the header cannot bring in another volume of the domain;</item>
/// <item>the base names no backing (no volume is below it), and only the base may be raw.</item>
/// </list>
/// A volume being written fresh by the qemu-img run (a new qcow2 layer, a convert target) is not
/// read and so not checked: its bytes are leftovers that qemu-img overwrites.
/// </summary>
internal static class TrustedChain
{
    /// <summary>
    /// Checks <paramref name="chain"/> (base first) and exposes it for qemu, with
    /// <paramref name="fresh"/> on top if given: the volume qemu-img is about to create.
    /// </summary>
    /// <exception cref="SanpoolException">UNSAFE_BACKING_FILE or CHAIN_BROKEN naming the volume; nothing is left exposed.</exception>
    public static async Task<PreparedVolumes> PrepareAsync(IDomainManifest store, IReadOnlyList<VolumeRecord> chain, StoredVolume? fresh,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(chain);
        List<StoredVolume> exposed = [.. chain.Select(v => v.Stored)];
        if (fresh is not null)
        {
            exposed.Add(fresh);
        }

        var prepared = await store.PrepareAsync(exposed, cancellationToken).ConfigureAwait(false);
        try
        {
            await CheckAsync(store, chain, store.FixedSize ? null : prepared.Directory, cancellationToken).ConfigureAwait(false);
            return prepared;
        }
        catch
        {
            await prepared.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Checks the chain before an operation changes anything. Only a file domain needs the chain
    /// exposed for this (its image directory is where symlinks must not lead out of); a block
    /// domain's headers are read straight from the LVs, without mounting anything.
    /// </summary>
    public static async Task VerifyAsync(IDomainManifest store, IReadOnlyList<VolumeRecord> chain, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.FixedSize)
        {
            await CheckAsync(store, chain, imageDirectory: null, cancellationToken).ConfigureAwait(false);
            return;
        }

        await using var prepared = await PrepareAsync(store, chain, fresh: null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Checks one volume's header before a qemu-img run that opens it without its backing
    /// (<c>rebase -u</c>): only the header's own form, since the backing is not followed.
    /// </summary>
    public static async Task VerifyAloneAsync(IDomainManifest store, VolumeRecord volume, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(volume);
        var header = await ReadHeaderAsync(store, volume, cancellationToken).ConfigureAwait(false);
        try
        {
            BackingFilePolicy.FormOnly.Check(header);
        }
        catch (SanpoolException e)
        {
            throw Refused(volume, e);
        }
    }

    private static async Task CheckAsync(IDomainManifest store, IReadOnlyList<VolumeRecord> chain, string? imageDirectory, CancellationToken cancellationToken)
    {
        var below = new List<string>(chain.Count);
        for (int i = 0; i < chain.Count; i++)
        {
            var volume = chain[i];
            string name = volume.Id.ToString();
            try
            {
                // The entry itself: on a file domain, the volume's own name must not lead out either.
                new BackingFilePolicy(null, imageDirectory).Check(name);
                if (volume.Md.Format == VolumeFormat.RAW)
                {
                    // qemu opens it as raw, by the format its child names; a header inside is guest data.
                    if (i > 0)
                    {
                        throw Broken(volume, $"is RAW but sits on {below[^1]} in the chain; only a base volume may be raw");
                    }
                }
                else
                {
                    var header = await ReadHeaderAsync(store, volume, cancellationToken).ConfigureAwait(false);
                    // Only volumes below may be named: the base, with none below, may name none.
                    new BackingFilePolicy(below, imageDirectory).Check(header);
                    if (i > 0)
                    {
                        CheckPlace(volume, header, chain[i - 1]);
                    }
                }
            }
            catch (SanpoolException e) when (e.Code == QemuErrors.UnsafeBackingFile)
            {
                throw Refused(volume, e);
            }

            below.Add(name);
        }
    }

    /// <summary>The header must name exactly the volume below, in that volume's format.</summary>
    private static void CheckPlace(VolumeRecord volume, Qcow2Header header, VolumeRecord parent)
    {
        if (header.BackingFile != parent.Id.ToString())
        {
            throw Broken(volume, $"sits on {parent.Id} in the chain but its qcow2 header names backing file {header.BackingFile ?? "(none)"}");
        }

        string format = parent.Md.Format.QemuFormat().ToQemuName();
        if (header.BackingFormat != format)
        {
            throw Broken(volume, $"names its parent {parent.Id} with backing format {header.BackingFormat}, but the parent is {format}");
        }
    }

    /// <summary>A COW volume's qcow2 header; one that does not decode breaks the chain.</summary>
    private static async Task<Qcow2Header> ReadHeaderAsync(IDomainManifest store, VolumeRecord volume, CancellationToken cancellationToken)
    {
        await using var device = await store.OpenVolumeAsync(volume.Stored, readOnly: true, cancellationToken).ConfigureAwait(false);
        try
        {
            return await Qcow2Header.ReadAsync(device, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (e.Code == QemuErrors.BadQcow2)
        {
            throw Broken(volume, $"is COW but holds no valid qcow2 header ({e.Message})");
        }
    }

    private static SanpoolException Refused(VolumeRecord volume, SanpoolException cause) =>
        new(QemuErrors.UnsafeBackingFile, $"volume {volume.Stored}: {cause.Message}; qemu-img was not run on this chain");

    private static SanpoolException Broken(VolumeRecord volume, string problem) =>
        new(StorageErrors.ChainBroken, $"volume {volume.Stored} {problem}; qemu-img was not run on this chain (run `domain check`)");
}
