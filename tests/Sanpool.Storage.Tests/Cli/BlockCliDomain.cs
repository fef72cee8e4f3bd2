using Sanpool.Storage.Metadata;
using Sanpool.TestSupport;

namespace Sanpool.Storage.Tests.Cli;

/// <summary>
/// A block domain for CLI tests (a 10 GiB loop device). Its storage picture is what the real
/// lvm reports, with a filter that names only the domain's loop devices and activation off,
/// as Sanpool runs it: every LV with its size and tags, and the VG's tags and free extents.
/// </summary>
public sealed class BlockCliDomain : CliDomain
{
    private const string TamperedDescription = VgTagCodec.MetadataPrefix + "DESCRIPTION=tampered";
    private string? _description;

    public BlockCliDomain()
        : base("block")
    {
    }

    public override async Task<string> StorageAsync(bool everything)
    {
        // One report: a row per LV, each with the VG's fields too.
        var rows = await LvmAsync("lvs", "--noheadings", "--separator", "|", "--units", "b", "--nosuffix",
            "-o", "lv_name,lv_size,lv_tags,vg_tags,vg_free_count", Uuid.ToString());
        return string.Concat(Lines(rows).Order(StringComparer.Ordinal).Select(l => l + "\n"));
    }

    /// <summary>Swaps the MDT_DESCRIPTION tag for another in one vgchange; the seal tag stays.</summary>
    public override async Task BreakSealAsync()
    {
        var tags = (await VgTagsAsync()).ToList();
        _description = tags.Single(t => t.StartsWith(VgTagCodec.MetadataPrefix + "DESCRIPTION=", StringComparison.Ordinal));
        await LvmAsync("vgchange", "--deltag", _description, "--addtag", TamperedDescription, Uuid.ToString());
    }

    public override async Task RestoreSealAsync()
    {
        if (_description is not null)
        {
            await LvmAsync("vgchange", "--deltag", TamperedDescription, "--addtag", _description, Uuid.ToString());
            _description = null;
        }
    }

    public async Task<IReadOnlyList<string>> VgTagsAsync() =>
        [.. (await LvmAsync("vgs", "--noheadings", "-o", "vg_tags", Uuid.ToString())).Trim().Split(',', StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>The VG's free extents and extent size in bytes.</summary>
    public async Task<(long Free, long ExtentSize)> VgFreeAsync()
    {
        var fields = (await LvmAsync("vgs", "--noheadings", "--separator", "|", "--units", "b", "--nosuffix", "-o", "vg_free_count,vg_extent_size", Uuid.ToString()))
            .Trim().Split('|');
        return (long.Parse(fields[0], System.Globalization.CultureInfo.InvariantCulture), long.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>Runs the real lvm on the domain's devices only, never activating anything; returns stdout.</summary>
    public async Task<string> LvmAsync(params string[] arguments)
    {
        string filter = "[" + string.Concat(Domain.Devices.Select(d => $"\"a|^{d}$|\",")) + "\"r|.*|\"]";
        string config = $"devices {{ filter={filter} global_filter={filter} use_devicesfile=0 obtain_device_list_from_udev=0 hints=\"none\" }} "
                        + "global { activation=0 use_lvmlockd=0 } backup { backup=0 archive=0 }";
        var result = await ToolRunner.RunAsync(Requires.Tool("lvm", "lvm2"), [arguments[0], "--config", config, .. arguments[1..]],
            new Dictionary<string, string> { ["LVM_SUPPRESS_FD_WARNINGS"] = "1" });
        return result.EnsureSuccess().StandardOutput;
    }

    private static string[] Lines(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
