using Sanpool.Core;
using Sanpool.Storage.Domains;

namespace Sanpool.Pool.Spm;

/// <summary>
/// Adds a LUN to a block domain while the pool runs (VDSM's extendStorageDomain, an SPM verb):
/// pvcreate, vgextend and the domain's new PVn line, made by the SPM under its writer of the
/// domain. The writer's store then forgets its LVM view, so its next extension sees the new
/// PV's free extents. Every host must already see the LUN (its config's devices): hosts map
/// an LV's segments onto the PVs themselves, and a segment on a PV a host cannot open would
/// stop its VMs.
/// </summary>
public static class DomainGrowth
{
    public static async Task<DomainInfo> ExtendAsync(SpmRole role, Guid domain, string device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(role);
        ArgumentException.ThrowIfNullOrWhiteSpace(device);
        var writer = await role.WriterAsync(domain, cancellationToken).ConfigureAwait(false);
        if (!writer.Store.FixedSize)
        {
            throw CommonErrors.Invalid($"domain {domain} is a {writer.Store.Kind} domain; only block domains are extended with LUNs (a file domain grows with its file system)");
        }

        var visible = role.Host.Options.Locator.Devices;
        if (!visible.Any(d => BlockDomain.IsSameDevice(d, device)))
        {
            throw CommonErrors.Invalid(
                $"{device} is not among the devices host {role.Host.Options.HostId} may look at ({string.Join(", ", visible)}); " +
                "add the LUN to every host's config (\"devices\") first: every host maps volumes onto the LUNs itself");
        }

        role.CheckLease();
        var info = await BlockDomain.ExtendAsync([.. visible.Where(d => !BlockDomain.IsSameDevice(d, device))], domain, device, cancellationToken).ConfigureAwait(false);
        writer.Store.Refresh();
        return info;
    }
}
