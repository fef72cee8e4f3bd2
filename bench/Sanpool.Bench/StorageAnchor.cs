using System.Globalization;
using Sanpool.Core.Tools;
using Sanpool.Storage.Lvm;

namespace Sanpool.Bench;

/// <summary>
/// The anchors of the storage suite: lvm and qemu-img run directly, with nothing of Sanpool
/// around them. They are started the way Sanpool starts its tools (<see cref="ExternalTool"/>:
/// argv, LC_ALL=C, output read to the end), and lvm gets the same <c>--config</c> Sanpool passes
/// (the domain's one device in the filter, activation=0): without it lvm would scan every disk
/// of the host, and without device-mapper lvcreate would fail.
/// </summary>
internal sealed class StorageAnchor
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private readonly BenchDomain _domain;
    private readonly string _config;

    public StorageAnchor(BenchDomain domain)
    {
        _domain = domain;
        _config = LvmConfig.Build([domain.Device]);
    }

    /// <summary>The snapshot anchor's lvcreate, as a reader of the report would type it (the config elided).</summary>
    public static string LvCreateLine => "lvm lvcreate --config CFG --name LV --size SIZEb --activate n --zero n --wipesignatures n VG";

    public static string QemuImgCreateLine => "qemu-img create -q -f qcow2 -o compat=1.1 -b PARENT -F qcow2 FILE CAPACITY";

    public static string LvsLine => "lvm lvs --config CFG -o lv_name,lv_tags VG";

    /// <summary>A bare LV: no tags, never activated or zeroed (as every LV is without device-mapper).</summary>
    public Task LvCreateAsync(string name, long sizeBytes) => RunAsync(
        ["lvm", "lvcreate", "--config", _config, "--name", name, "--size", Bytes(sizeBytes), "--activate", "n", "--zero", "n", "--wipesignatures", "n", _domain.Vg]);

    /// <summary>Not timed: takes an anchor LV away again so every round sees the same VG.</summary>
    public Task LvRemoveAsync(string name) => RunAsync(["lvm", "lvremove", "--config", _config, "-qq", "--force", $"{_domain.Vg}/{name}"]);

    /// <summary>A qcow2 over a qcow2 parent named relative to it, as the snapshot's header names its parent by bare UUID.</summary>
    public static Task QemuImgCreateAsync(string path, string parentName, long capacity) => RunAsync(
        ["qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=1.1", "-b", parentName, "-F", "qcow2", path, capacity.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>Not timed: the parent the anchor's snapshots are made on.</summary>
    public static Task QemuImgBaseAsync(string path, long capacity) =>
        RunAsync(["qemu-img", "create", "-q", "-f", "qcow2", "-o", "compat=1.1", path, capacity.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>One lvs of the domain's VG: every LV's name and tags, which is what a volume listing needs from LVM.</summary>
    public async Task<string> LvsAsync() =>
        (await RunAsync(["lvm", "lvs", "--config", _config, "-o", "lv_name,lv_tags", _domain.Vg])).Stdout;

    private static Task<ToolResult> RunAsync(IReadOnlyList<string> argv) => ExternalTool.RunAsync(argv, Timeout, CancellationToken.None);

    private static string Bytes(long size) => size.ToString(CultureInfo.InvariantCulture) + "b";
}
