namespace Sanpool.Storage.Lvm;

/// <summary>
/// Where a volume's LV is and the lvm that sees it: what a host's data path needs to reach the
/// LV's bytes itself (an NBD export over <see cref="LvBlockDevice"/> or the activated LV).
/// </summary>
/// <param name="Lvm">An lvm command whose filter names the domain's devices.</param>
/// <param name="Vg">The VG, named by the domain's UUID.</param>
/// <param name="Lv">The LV, named by the volume's UUID.</param>
public sealed record LvLocation(LvmCommand Lvm, string Vg, string Lv);
