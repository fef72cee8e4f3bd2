using Sanpool.Core;
using Sanpool.Storage.Chains;
using Sanpool.Storage.Journal;
using Sanpool.Storage.Metadata;
using Sanpool.Storage.Operations;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Storage.Check;

/// <summary>
/// Cross-checks every chain of a domain four ways and reports each disagreement with the fix
/// it suggests (seed 003's troubleshooting, automated):
/// <list type="number">
/// <item>volume metadata: readable, its IMAGE the image the storage files it under, PUUID and
/// VOLTYPE fitting the chain, LEGAL unless an operation is in the journal;</item>
/// <item>LV tags (block): PU_ equal to the metadata's PUUID, one MD_ slot per volume, no
/// leftover OVIRT_VOL_INITIALIZING or _remove_me_ marks;</item>
/// <item>the qcow2 header, read natively: its backing file the parent's bare UUID (and nothing
/// that leaves the image, <see cref="BackingFilePolicy"/>), its backing format the parent's,
/// its virtual size the metadata's capacity; a RAW volume whose bytes look like a qcow2 header
/// is reported with that evidence, never "fixed" from it;</item>
/// <item>existence and size: every parent exists, storage holds a RAW volume's capacity.</item>
/// </list>
/// Read-only: it takes no lease and changes nothing. A fix it proposes never trusts a
/// volume's contents over its metadata where that could show a guest data that is not its own
/// or lose what it has: the contents are evidence, named in the finding.
/// </summary>
public static class DomainCheck
{
    public static async Task<IReadOnlyList<CheckFinding>> RunAsync(IDomainManifest store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var findings = new List<CheckFinding>();
        await CheckJournalAsync(store, findings, cancellationToken).ConfigureAwait(false);
        var inventory = await DomainInventory.LoadAsync(store, cancellationToken).ConfigureAwait(false);
        foreach (var chain in inventory.Chains.Where(c => !c.IsValid))
        {
            findings.Add(new CheckFinding(chain.Image, null, $"chain is broken: {chain.Error!.Value.Describe()} ({Pairs(chain)})",
                "see 'sanpool dump-volume-chains'; fix the PUUID of the volume that names the wrong parent, or delete the orphan"));
        }

        var slots = inventory.Volumes.Where(v => v.Stored.Slot is not null).GroupBy(v => v.Stored.Slot).Where(g => g.Count() > 1);
        foreach (var slot in slots)
        {
            findings.Add(new CheckFinding(slot.First().Image.ToString(), null, $"metadata slot {slot.Key} is claimed by {string.Join(", ", slot.Select(v => v.Id))}",
                "move all but one volume to a free slot (new MD_ tag, metadata copied)"));
        }

        foreach (var volume in inventory.Volumes)
        {
            await CheckVolumeAsync(store, inventory, volume, findings, cancellationToken).ConfigureAwait(false);
        }

        return findings;
    }

    private static async Task CheckJournalAsync(IDomainManifest store, List<CheckFinding> findings, CancellationToken cancellationToken)
    {
        await using var device = await store.OpenMasterAreaAsync(cancellationToken).ConfigureAwait(false);
        var (_, pending) = await DomainJournal.OpenAsync(device, store.Info.Uuid, cancellationToken).ConfigureAwait(false);
        foreach (var (slot, entry) in pending)
        {
            findings.Add(new CheckFinding(entry.Image.ToString(), null,
                $"{entry.Operation} {entry.Id} by {entry.Host} was interrupted in phase '{entry.Phase}' (journal slot {slot})",
                $"run 'sanpool domain recover {store.Info.Uuid}' (any writer command also {(entry.Forward ? "finishes" : "rolls back")} it)"));
        }
    }

    private static async Task CheckVolumeAsync(IDomainManifest store, DomainInventory inventory, VolumeRecord v, List<CheckFinding> findings, CancellationToken cancellationToken)
    {
        string img = v.Image.ToString();
        string vol = v.Id.ToString();
        void Add(string problem, string fix) => findings.Add(new CheckFinding(img, vol, problem, fix));

        if (v.Stored.Initializing || v.Stored.Removing)
        {
            Add(v.Stored.Initializing ? "creation did not finish (initializing mark)" : "removal did not finish (_remove_me_ mark)",
                $"run 'sanpool domain recover {store.Info.Uuid}'; if it stays, 'sanpool volume delete {store.Info.Uuid} {img} {vol}'");
            return;
        }

        if (v.Metadata is not { } md)
        {
            Add($"metadata unreadable: {v.MetadataError}", "rewrite the metadata from the LV tags and qcow2 header, or delete the volume");
            return;
        }

        if (md.Image != v.Image && md.Role != VolumeRole.SHARED)
        {
            Add($"metadata says image {md.Image}, storage files it under {img}", $"set IMAGE={img} in the metadata");
        }

        if (v.Stored.TagParent is { } tagParent && tagParent != md.Parent)
        {
            Add($"LV tag PU_{tagParent} but metadata PUUID={md.Parent}", $"set the tag to PU_{md.Parent} if the qcow2 header agrees with the metadata");
        }

        if (md.Legality != Legality.LEGAL)
        {
            Add($"volume is {md.Legality} and no operation in the journal is working on it", "re-run the operation that left it, or delete the volume");
        }

        var children = inventory.ChildrenOf(v.Id).ToList();
        var expected = md.Role == VolumeRole.SHARED ? VolumeRole.SHARED : children.Count > 0 ? VolumeRole.INTERNAL : VolumeRole.LEAF;
        if (md.Role != expected)
        {
            Add($"VOLTYPE={md.Role} but it has {children.Count} child volume(s)", $"set VOLTYPE={expected}");
        }

        if (md.Parent != Guid.Empty && inventory.Find(md.Parent) is null)
        {
            Add($"parent {md.Parent} does not exist", "restore the parent, or rebase this volume onto the right one");
        }

        if (md.Format == VolumeFormat.RAW && v.Stored.Size < md.Capacity)
        {
            Add($"storage holds {v.Stored.Size} bytes, less than the capacity {md.Capacity}", "extend the volume's storage to its capacity");
        }

        await CheckHeaderAsync(store, inventory, v, md, Add, cancellationToken).ConfigureAwait(false);
    }

    private static async Task CheckHeaderAsync(IDomainManifest store, DomainInventory inventory, VolumeRecord v, VolumeMetadata md, Action<string, string> add, CancellationToken cancellationToken)
    {
        Qcow2Header? header;
        try
        {
            await using var device = await store.OpenVolumeAsync(v.Stored, readOnly: true, cancellationToken).ConfigureAwait(false);
            header = await Qcow2Header.ReadAsync(device, cancellationToken).ConfigureAwait(false);
        }
        catch (SanpoolException e) when (e.Code == QemuErrors.BadQcow2)
        {
            header = null;
            if (md.Format == VolumeFormat.COW)
            {
                add($"FORMAT=COW but no valid qcow2 header: {e.Message}", "restore the volume from a copy; its data cannot be read as qcow2");
                return;
            }
        }

        if (header is null)
        {
            if (md.Parent != Guid.Empty)
            {
                add($"a RAW volume cannot have a parent (PUUID={md.Parent})", "set PUUID to the blank UUID, or convert the volume to qcow2");
            }

            return;
        }

        if (md.Format == VolumeFormat.RAW)
        {
            // Never advise FORMAT=COW from the bytes: they may be a deleted volume's header left in
            // reused extents, or a guest's own qcow2 file on its raw disk; read as qcow2, either
            // would show the guest whatever the header's backing file names, and lose its disk.
            add($"FORMAT=RAW, and its first bytes read as a qcow2 header ({Evidence(header)}); the guest may have written them, or they were left by a deleted volume",
                "change nothing from these bytes: a RAW volume's contents are its guest's disk, and FORMAT=COW would make qemu follow that backing file; " +
                "if the disk is not meant to hold this, wipe or delete the volume");
            return;
        }

        var allowed = inventory.VisibleFrom(v.Image).Select(o => o.Id.ToString());
        try
        {
            new BackingFilePolicy(allowed).Check(header);
        }
        catch (SanpoolException e)
        {
            add($"unsafe qcow2 header: {e.Message}", $"rebase -u the volume onto its parent ({md.Parent}) by UUID");
            return;
        }

        string expected = md.Parent == Guid.Empty ? "(none)" : md.Parent.ToString();
        if ((header.BackingFile ?? "(none)") != expected)
        {
            add($"qcow2 backing file {header.BackingFile ?? "(none)"} but metadata PUUID={md.Parent}",
                "find out which is right before changing either ('sanpool dump-volume-chains', the journal, the parent's contents): " +
                "a rebase -u or a PUUID set to the wrong one makes the guest read another volume's data or drops a layer's");
        }
        else if (md.Parent != Guid.Empty && inventory.Find(md.Parent)?.Metadata is { } parent && header.BackingFormat is { } fmt
            && fmt != parent.Format.QemuFormat().ToQemuName())
        {
            add($"qcow2 backing format {fmt} but the parent is {parent.Format}", $"rebase -u with -F {parent.Format.QemuFormat().ToQemuName()}");
        }

        if (header.Size != md.Capacity)
        {
            add($"qcow2 virtual size {header.Size} but CAP={md.Capacity}", $"qemu reads the header's size; set CAP={header.Size} if the volume was resized");
        }
    }

    /// <summary>What a header says, for a finding: its version, virtual size and backing file.</summary>
    private static string Evidence(Qcow2Header header) =>
        $"magic QFI\\xfb, version {header.Version}, virtual size {header.Size}, backing file {(header.BackingFile is { } b ? $"'{b}'" : "none")}";

    private static string Pairs(ImageChain chain) => string.Join(", ", chain.Pairs.Select(p => $"{p.Parent} <- {p.Child}"));
}
