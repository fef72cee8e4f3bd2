using System.Collections.Immutable;
using System.Globalization;
using Sanpool.Core;
using Sanpool.Core.Tools;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// The one wrapper around the <c>lvm</c> tool: builds argv lists (never a shell), runs
/// <c>lvm &lt;verb&gt; --config &lt;LvmConfig&gt; ...</c>, parses JSON reports into records and
/// raises typed errors (<see cref="LvmFailure"/>). Each instance sees only the devices in its
/// <see cref="LvmOptions"/>; to bring a new LUN into a domain, make a command whose device list
/// includes it.
/// <para>What works without device-mapper (LVM 2.03.16, observed on a kernel with no dm driver):</para>
/// <list type="bullet">
/// <item>pvcreate (also with --metadatasize/--metadataignore), pvchange --metadataignore, vgcreate, vgextend, vgchange --addtag/--deltag, vgremove -f, lvchange
/// --addtag/--deltag, lvremove -f and every report (pvs, vgs, lvs) work as they are; they only
/// print the dm "Failure to communicate with kernel device-mapper driver" lines, and lv_attr
/// shows the state "XX" (unknown).</item>
/// <item>lvcreate fails with exit 3 and "striped: Required device-mapper target(s) not detected"
/// even with <c>-an -Zn -Wn</c>: it checks the kernel's targets. lvextend and lvrename fail with
/// exit 5, "Failed to suspend logical volume"; worse, lvrename has by then committed the new
/// name, so its exit code lies. All of them work with either <c>--driverloaded n</c> or
/// <c>global { activation=0 }</c>; the latter is in <see cref="LvmConfig"/> so every verb gets
/// it and none can half-fail this way. (Every verb accepts <c>--driverloaded n</c> too.)</item>
/// <item>With activation off, lvcreate (<c>--activate n --zero n --wipesignatures n</c>, all
/// passed anyway so a host with dm never activates or zeroes either), <c>--contiguous y</c>,
/// <c>--addtag</c> (repeatable), lvextend, lvchange --addtag/--deltag, lvrename and lvremove -f
/// all work. LVs are never zeroed: with activation off lvm cannot write through an LV.</item>
/// <item>Sizes take a "b" suffix (<c>--size 268435456b</c>) but must be multiples of 512; lvm
/// rounds them up to whole extents.</item>
/// <item>lvextend to the current size fails ("New size (n extents) matches existing size"), and
/// to a smaller one too ("not larger than existing size"); both are a no-op here, because two
/// extension requests may arrive in either order and an LV must never shrink.</item>
/// <item>Adding a tag an object already has, or deleting one it lacks, succeeds silently.</item>
/// <item>A prompt (pvcreate on a device with a file-system signature) would block on stdin;
/// mutating verbs run with <c>-qq</c>, which answers every prompt "no" and drops the success
/// chatter, while error messages still reach stderr.</item>
/// </list>
/// </summary>
public sealed class LvmCommand
{
    /// <summary>
    /// Counts the activation changes (lvchange -ay/-an/--refresh) this process has started and
    /// finished through any instance. A cached report is valid only within one count: a change of
    /// this host's device-mapper state shows in lv_attr but writes nothing to the metadata the
    /// fingerprint reads. Every other change is in that metadata.
    /// </summary>
    private static long s_activations;

    /// <summary>How long the fingerprint's reads may take before a report runs lvm instead.</summary>
    private static readonly TimeSpan FingerprintTimeout = TimeSpan.FromSeconds(2);

    private readonly string _config;
    private readonly string _activationConfig;

    /// <summary>
    /// The last output of each report (device filter, verb and targets), with the metadata it was
    /// read from, shared by every instance in the process (callers make a command per call).
    /// Guarded by itself; emptied when it reaches <see cref="MaxReports"/> entries.
    /// </summary>
    private static readonly Dictionary<string, CachedReport> Reports = new(StringComparer.Ordinal);

    private const int MaxReports = 256;

    public LvmCommand(LvmOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        _config = LvmConfig.Build(options.Devices);
        _activationConfig = LvmConfig.Build(options.Devices, activation: true);
    }

    public LvmOptions Options { get; }

    /// <summary>Initialises <paramref name="devices"/> as PVs (refusing any that holds a signature).</summary>
    public Task PvCreateAsync(IReadOnlyList<string> devices, CancellationToken cancellationToken = default) =>
        ChangeAsync("pvcreate", [.. Devices(devices)], cancellationToken);

    /// <summary>
    /// Initialises <paramref name="devices"/> as PVs with two LVM metadata areas of
    /// <paramref name="metadataSizeBytes"/> each (one at the start, one at the end of the
    /// device), as VDSM makes a domain's PVs. With <paramref name="ignoreMetadata"/> the areas
    /// exist but LVM does not keep the VG's metadata in them until
    /// <see cref="PvSetMetadataIgnoreAsync"/> turns them on: a domain keeps its VG metadata on
    /// the first PV only, so adding a PV never rewrites metadata on every LUN.
    /// </summary>
    public Task PvCreateAsync(IReadOnlyList<string> devices, long metadataSizeBytes, bool ignoreMetadata, CancellationToken cancellationToken = default) =>
        ChangeAsync("pvcreate",
        [
            "--metadatasize", Bytes(metadataSizeBytes),
            "--metadatacopies", "2",
            "--metadataignore", ignoreMetadata ? "y" : "n",
            .. Devices(devices),
        ], cancellationToken);

    /// <summary>Turns the use of <paramref name="device"/>'s metadata areas off or on (pvchange --metadataignore).</summary>
    public Task PvSetMetadataIgnoreAsync(string device, bool ignore, CancellationToken cancellationToken = default) =>
        ChangeAsync("pvchange", ["--metadataignore", ignore ? "y" : "n", LvmNames.CheckDevice(device)], cancellationToken);

    /// <summary>Creates VG <paramref name="name"/> (a domain's UUID) on PVs made by <see cref="PvCreateAsync"/>.</summary>
    /// <param name="extentSizeBytes">A power of two; 128 MiB for storage domains.</param>
    public Task VgCreateAsync(string name, IReadOnlyList<string> devices, long extentSizeBytes, IReadOnlyCollection<string> tags, CancellationToken cancellationToken = default)
    {
        if (extentSizeBytes < 4096 || (extentSizeBytes & (extentSizeBytes - 1)) != 0)
        {
            throw CommonErrors.Invalid($"extent size {extentSizeBytes} is not a power of two of at least 4096 bytes");
        }

        List<string> args = ["--physicalextentsize", Bytes(extentSizeBytes)];
        args.AddRange(TagArgs("--addtag", tags));
        args.Add(LvmNames.CheckName(name, "VG"));
        args.AddRange(Devices(devices));
        return ChangeAsync("vgcreate", args, cancellationToken);
    }

    /// <summary>Adds PVs (already pvcreate'd) to VG <paramref name="vg"/>.</summary>
    public Task VgExtendAsync(string vg, IReadOnlyList<string> devices, CancellationToken cancellationToken = default) =>
        ChangeAsync("vgextend", [LvmNames.CheckName(vg, "VG"), .. Devices(devices)], cancellationToken);

    /// <summary>Removes VG <paramref name="vg"/> and every LV in it.</summary>
    public Task VgRemoveAsync(string vg, CancellationToken cancellationToken = default) =>
        ChangeAsync("vgremove", ["--force", LvmNames.CheckName(vg, "VG")], cancellationToken);

    /// <summary>Adds and removes VG tags in one metadata update.</summary>
    public Task VgChangeTagsAsync(string vg, IReadOnlyCollection<string> add, IReadOnlyCollection<string> delete, CancellationToken cancellationToken = default) =>
        TagsChangeAsync("vgchange", LvmNames.CheckName(vg, "VG"), add, delete, cancellationToken);

    /// <summary>Every VG the filter lets LVM see, or only <paramref name="name"/> (VG_NOT_FOUND if absent).</summary>
    public async Task<ImmutableArray<VolumeGroup>> VgsAsync(string? name = null, CancellationToken cancellationToken = default)
    {
        string[] target = name is null ? [] : [LvmNames.CheckName(name, "VG")];
        string json = await ReportAsync("vgs", LvmReport.VgFields, target, cancellationToken).ConfigureAwait(false);
        return LvmReport.ParseVgs(json);
    }

    /// <summary>Every PV on the filter's devices, in a VG or not.</summary>
    public async Task<ImmutableArray<PhysicalVolume>> PvsAsync(CancellationToken cancellationToken = default)
    {
        string json = await ReportAsync("pvs", LvmReport.PvFields, [], cancellationToken).ConfigureAwait(false);
        return LvmReport.ParsePvs(json);
    }

    /// <summary>
    /// Creates LV <paramref name="vg"/>/<paramref name="name"/> of <paramref name="sizeBytes"/>
    /// (rounded up to whole extents), never activated and never zeroed: its old bytes stay.
    /// </summary>
    /// <param name="contiguous">Allocate one physical run of extents (VG_FULL if there is none).</param>
    /// <param name="onPvs">Allocate only on these PVs (e.g. a domain's metadata LV on its first PV); null for any.</param>
    public Task LvCreateAsync(string vg, string name, long sizeBytes, IReadOnlyCollection<string> tags, bool contiguous = false, IReadOnlyList<string>? onPvs = null, CancellationToken cancellationToken = default)
    {
        List<string> args =
        [
            "--name", LvmNames.CheckName(name, "LV"),
            "--size", Bytes(sizeBytes),
            "--activate", "n",
            "--zero", "n",
            "--wipesignatures", "n",
        ];
        if (contiguous)
        {
            args.AddRange(["--contiguous", "y"]);
        }

        args.AddRange(TagArgs("--addtag", tags));
        args.Add(LvmNames.CheckName(vg, "VG"));
        if (onPvs is not null)
        {
            args.AddRange(Devices(onPvs));
        }

        return ChangeAsync("lvcreate", args, cancellationToken);
    }

    /// <summary>
    /// Grows the LV to at least <paramref name="newSizeBytes"/> (rounded up to whole extents).
    /// An LV already that large is left as it is: extending is idempotent and never shrinks.
    /// </summary>
    public async Task LvExtendAsync(string vg, string name, long newSizeBytes, CancellationToken cancellationToken = default)
    {
        var result = await RunAsync("lvextend", ["-qq", "--size", Bytes(newSizeBytes), LvPath(vg, name)], cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0
            && !result.Stderr.Contains("matches existing size", StringComparison.Ordinal)
            && !result.Stderr.Contains("not larger than existing size", StringComparison.Ordinal))
        {
            throw LvmFailure.From(result);
        }
    }

    public Task LvRemoveAsync(string vg, string name, CancellationToken cancellationToken = default) =>
        ChangeAsync("lvremove", ["--force", LvPath(vg, name)], cancellationToken);

    public Task LvRenameAsync(string vg, string name, string newName, CancellationToken cancellationToken = default) =>
        ChangeAsync("lvrename", [LvmNames.CheckName(vg, "VG"), LvmNames.CheckName(name, "LV"), LvmNames.CheckName(newName, "LV")], cancellationToken);

    /// <summary>Adds and removes LV tags in one metadata update (e.g. IU_img to IU__remove_me_img).</summary>
    public Task LvChangeTagsAsync(string vg, string name, IReadOnlyCollection<string> add, IReadOnlyCollection<string> delete, CancellationToken cancellationToken = default) =>
        TagsChangeAsync("lvchange", LvPath(vg, name), add, delete, cancellationToken);

    /// <summary>
    /// Activates the LV on this host (device-mapper only): its node <see cref="DevicePath"/>
    /// appears. Activating an active LV changes nothing. Never zeroes: activation writes no data.
    /// </summary>
    public Task LvActivateAsync(string vg, string name, CancellationToken cancellationToken = default) =>
        ActivationAsync(["--activate", "y", LvPath(vg, name)], cancellationToken);

    /// <summary>Deactivates the LV on this host; its device node goes away. Fails while the node is open.</summary>
    public Task LvDeactivateAsync(string vg, string name, CancellationToken cancellationToken = default) =>
        ActivationAsync(["--activate", "n", LvPath(vg, name)], cancellationToken);

    /// <summary>
    /// Reloads an active LV's device-mapper table from the metadata, so a node held open grows
    /// to the size the SPM extended the LV to (what VDSM runs on a host after an extension).
    /// </summary>
    public Task LvRefreshAsync(string vg, string name, CancellationToken cancellationToken = default) =>
        ActivationAsync(["--refresh", LvPath(vg, name)], cancellationToken);

    /// <summary>The node of an active LV: /dev/&lt;vg&gt;/&lt;lv&gt; (LVM makes it itself: udev_rules=0).</summary>
    public static string DevicePath(string vg, string name) => $"/dev/{LvmNames.CheckName(vg, "VG")}/{LvmNames.CheckName(name, "LV")}";

    /// <summary>The LVs of <paramref name="vg"/> (or only <paramref name="name"/>), with tags and segments.</summary>
    public async Task<ImmutableArray<LogicalVolume>> LvsAsync(string vg, string? name = null, CancellationToken cancellationToken = default)
    {
        string target = name is null ? LvmNames.CheckName(vg, "VG") : LvPath(vg, name);
        string json = await ReportAsync("lvs", LvmReport.LvFields, [target], cancellationToken).ConfigureAwait(false);
        return LvmReport.ParseLvs(json);
    }

    private Task TagsChangeAsync(string verb, string target, IReadOnlyCollection<string> add, IReadOnlyCollection<string> delete, CancellationToken cancellationToken)
    {
        List<string> args = [.. TagArgs("--addtag", add), .. TagArgs("--deltag", delete)];
        if (args.Count == 0)
        {
            return Task.CompletedTask;
        }

        args.Add(target);
        return ChangeAsync(verb, args, cancellationToken);
    }

    /// <summary>
    /// Runs a report, or answers it from the last run when the devices' metadata is byte for
    /// byte what that run read (<see cref="LvmMetadataFingerprint"/>) and this process changed
    /// nothing since. The fingerprint is read before lvm runs: a change that lands while it runs
    /// makes the next fingerprint differ, so a report is never answered from older metadata
    /// than the storage holds when the call began. The domain monitor's reads of an idle pool
    /// cost a few direct reads instead of an lvm process each.
    /// </summary>
    private async Task<string> ReportAsync(string verb, string fields, IEnumerable<string> targets, CancellationToken cancellationToken)
    {
        string[] args = ["--reportformat", "json", "--units", "b", "--nosuffix", "--options", fields, .. targets];
        string key = string.Join('\0', [_config, verb, .. args]);
        long changes = Interlocked.Read(ref s_activations);
        byte[]? fingerprint = Options.CacheReports && Options.Devices.Length > 0
            ? await LvmMetadataFingerprint.ReadAsync(Options.Devices, FingerprintTimeout, cancellationToken).ConfigureAwait(false)
            : null;
        if (fingerprint is not null)
        {
            lock (Reports)
            {
                if (Reports.TryGetValue(key, out var cached) && cached.Changes == changes && cached.Fingerprint.AsSpan().SequenceEqual(fingerprint))
                {
                    return cached.Output;
                }
            }
        }

        var result = await RunAsync(verb, args, cancellationToken).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw LvmFailure.From(result);
        }

        if (fingerprint is not null)
        {
            lock (Reports)
            {
                if (Reports.Count >= MaxReports)
                {
                    Reports.Clear();
                }

                Reports[key] = new CachedReport(fingerprint, changes, result.Stdout);
            }
        }

        return result.Stdout;
    }

    private sealed record CachedReport(byte[] Fingerprint, long Changes, string Output);

    /// <summary>Runs a verb that changes metadata; -qq answers any prompt "no" (see the header).</summary>
    private async Task ChangeAsync(string verb, IEnumerable<string> args, CancellationToken cancellationToken, string? config = null)
    {
        var result = await RunAsync(verb, ["-qq", .. args], cancellationToken, config).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw LvmFailure.From(result);
        }
    }


    /// <summary>
    /// An lvchange that changes this host's device-mapper tables: the only verbs run with
    /// activation on. Counted in <see cref="s_activations"/> before and after.
    /// </summary>
    private async Task ActivationAsync(IEnumerable<string> args, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref s_activations);
        try
        {
            await ChangeAsync("lvchange", args, cancellationToken, _activationConfig).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Increment(ref s_activations);
        }
    }

    private Task<ToolResult> RunAsync(string verb, IEnumerable<string> args, CancellationToken cancellationToken, string? config = null) =>
        ExternalTool.RunAsync([Options.LvmPath, verb, "--config", config ?? _config, .. args], Options.Timeout, cancellationToken, check: false);

    private static string LvPath(string vg, string name) => $"{LvmNames.CheckName(vg, "VG")}/{LvmNames.CheckName(name, "LV")}";

    private static List<string> Devices(IReadOnlyList<string> devices)
    {
        ArgumentNullException.ThrowIfNull(devices);
        if (devices.Count == 0)
        {
            throw CommonErrors.Invalid("no devices given");
        }

        return devices.Select(LvmNames.CheckDevice).ToList();
    }

    private static List<string> TagArgs(string option, IReadOnlyCollection<string> tags)
    {
        ArgumentNullException.ThrowIfNull(tags);
        return tags.SelectMany(t => new[] { option, LvmNames.CheckTag(t) }).ToList();
    }

    /// <summary>A size in bytes as lvm takes it ("268435456b"); lvm refuses non-multiples of 512.</summary>
    private static string Bytes(long size) =>
        size > 0 && size % 512 == 0
            ? size.ToString(CultureInfo.InvariantCulture) + "b"
            : throw CommonErrors.Invalid($"size {size} is not a positive multiple of 512 bytes");
}
