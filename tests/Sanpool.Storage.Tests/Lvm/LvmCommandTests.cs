using Sanpool.Core;
using Sanpool.Core.Tools;
using Sanpool.Storage.Lvm;
using static Sanpool.Storage.Tests.Lvm.LvmTestVg;

namespace Sanpool.Storage.Tests.Lvm;

/// <summary>Real lvm on real loop devices, metadata only (no device-mapper). Needs root and lvm2.</summary>
public sealed class LvmCommandTests
{
    private const string Image = "IU_9f13d2e3-1111-4d5e-8f00-000000000001";
    private const string NoParent = "PU_00000000-0000-0000-0000-000000000000";

    [Fact]
    public async Task A_domain_vg_has_128_MiB_extents_its_tags_and_one_pv_starting_at_1_MiB()
    {
        await using var vg = await CreateAsync(extentSize: 128 * MiB, tags: ["RHAT_storage_domain_UNREADY"]);

        var vgs = await vg.Lvm.VgsAsync(vg.Vg);
        var pv = Assert.Single(await vg.Lvm.PvsAsync());

        var found = Assert.Single(vgs);
        Assert.Equal(vg.Vg, found.Name);
        Assert.Equal(128 * MiB, found.ExtentSize);
        Assert.Equal(31, found.ExtentCount); // (4 GiB - 1 MiB of metadata) / 128 MiB, rounded down
        Assert.Equal(31, found.FreeCount);
        Assert.Equal(["RHAT_storage_domain_UNREADY"], found.Tags.AsEnumerable());
        Assert.Equal(1, found.PvCount);
        Assert.Equal(vg.Device.Path, pv.Name);
        Assert.Equal(vg.Vg, pv.VgName);
        Assert.Equal(MiB, pv.PeStart);
        Assert.Equal(31, pv.PeCount);
        Assert.Equal(31 * 128 * MiB, pv.Free);
    }

    [Fact]
    public async Task The_activation_verbs_reach_device_mapper_where_there_is_one_and_fail_clearly_where_not()
    {
        await using var vg = await CreateAsync();
        string lv = Guid.NewGuid().ToString();
        await vg.Lvm.LvCreateAsync(vg.Vg, lv, vg.ExtentSize, []);
        string node = LvmCommand.DevicePath(vg.Vg, lv);

        if (!Sanpool.DataPath.DeviceMapper.IsAvailable)
        {
            // With activation=0 lvchange -ay would succeed doing nothing; with it on, lvm must try dm and say it cannot.
            var error = await Assert.ThrowsAsync<SanpoolException>(() => vg.Lvm.LvActivateAsync(vg.Vg, lv));
            Assert.Equal(LvmErrors.LvmFailed, error.Code);
            Assert.Contains("device-mapper", error.Message, StringComparison.OrdinalIgnoreCase);
            Assert.False(File.Exists(node));
            Assert.Equal(vg.ExtentSize, Assert.Single(await vg.Lvm.LvsAsync(vg.Vg, lv)).Size);
            return;
        }

        await vg.Lvm.LvActivateAsync(vg.Vg, lv);
        try
        {
            Assert.True(File.Exists(node));
            await vg.Lvm.LvExtendAsync(vg.Vg, lv, 2 * vg.ExtentSize);
            await vg.Lvm.LvRefreshAsync(vg.Vg, lv);
            await using var device = Sanpool.BlockIO.DirectBlockDevice.Open(node, readOnly: true);
            Assert.Equal(2 * vg.ExtentSize, device.Size);
        }
        finally
        {
            await vg.Lvm.LvDeactivateAsync(vg.Vg, lv);
        }

        Assert.False(File.Exists(node));
    }

    [Fact]
    public async Task An_lv_is_created_with_its_tags_extended_and_removed()
    {
        await using var vg = await CreateAsync();
        string lv = Guid.NewGuid().ToString();

        await vg.Lvm.LvCreateAsync(vg.Vg, lv, 5 * MiB, [Image, "MD_5", NoParent]);
        var created = Assert.Single(await vg.Lvm.LvsAsync(vg.Vg, lv));
        await vg.Lvm.LvExtendAsync(vg.Vg, lv, 16 * MiB);
        var extended = Assert.Single(await vg.Lvm.LvsAsync(vg.Vg));
        await vg.Lvm.LvRemoveAsync(vg.Vg, lv);

        Assert.Equal(8 * MiB, created.Size); // 5 MiB rounded up to two 4 MiB extents
        Assert.Equal([Image, "MD_5", NoParent], created.Tags.AsEnumerable());
        Assert.Equal(new LvSegment(0, 2, vg.Device.Path, 0), Assert.Single(created.Segments));
        Assert.Equal(16 * MiB, extended.Size);
        Assert.Equal(new LvSegment(0, 4, vg.Device.Path, 0), Assert.Single(extended.Segments));
        Assert.Empty(await vg.Lvm.LvsAsync(vg.Vg));
    }

    [Fact]
    public async Task Extending_to_the_current_or_a_smaller_size_changes_nothing()
    {
        await using var vg = await CreateAsync();
        await vg.Lvm.LvCreateAsync(vg.Vg, "v", 8 * MiB, []);

        await vg.Lvm.LvExtendAsync(vg.Vg, "v", 8 * MiB);
        await vg.Lvm.LvExtendAsync(vg.Vg, "v", 4 * MiB);

        Assert.Equal(8 * MiB, Assert.Single(await vg.Lvm.LvsAsync(vg.Vg, "v")).Size);
    }

    [Fact]
    public async Task Tag_changes_show_in_lvs_o_tags_as_an_admin_sees_them()
    {
        await using var vg = await CreateAsync();
        await vg.Lvm.LvCreateAsync(vg.Vg, "vol", 4 * MiB, [Image, "MD_7", NoParent, "OVIRT_VOL_INITIALIZING"]);

        string before = await AdminLvsTagsAsync(vg, "vol");
        await vg.Lvm.LvChangeTagsAsync(vg.Vg, "vol", add: ["IU__remove_me_x"], delete: [Image, "OVIRT_VOL_INITIALIZING"]);
        string after = await AdminLvsTagsAsync(vg, "vol");

        Assert.Equal($"{Image},MD_7,OVIRT_VOL_INITIALIZING,{NoParent}", before);
        Assert.Equal($"IU__remove_me_x,MD_7,{NoParent}", after);
    }

    [Fact]
    public async Task Vg_tags_are_added_and_removed_in_one_change()
    {
        await using var vg = await CreateAsync(tags: ["RHAT_storage_domain_UNREADY"]);

        await vg.Lvm.VgChangeTagsAsync(vg.Vg, add: ["RHAT_storage_domain", "MDT_CLASS=Data", "MDT_DESCRIPTION=a&32&domain"], delete: ["RHAT_storage_domain_UNREADY"]);

        Assert.Equal(["MDT_CLASS=Data", "MDT_DESCRIPTION=a&32&domain", "RHAT_storage_domain"], Assert.Single(await vg.Lvm.VgsAsync(vg.Vg)).Tags.AsEnumerable());
    }

    [Fact]
    public async Task Renaming_keeps_the_lvs_tags_and_extents()
    {
        await using var vg = await CreateAsync();
        await vg.Lvm.LvCreateAsync(vg.Vg, "old", 8 * MiB, ["MD_3"]);
        var before = Assert.Single(await vg.Lvm.LvsAsync(vg.Vg));

        await vg.Lvm.LvRenameAsync(vg.Vg, "old", "new");

        var after = Assert.Single(await vg.Lvm.LvsAsync(vg.Vg));
        Assert.Equal(before with { Name = "new", Segments = after.Segments, Tags = after.Tags }, after);
        Assert.Equal(before.Segments.AsEnumerable(), after.Segments.AsEnumerable());
        Assert.Equal(before.Tags.AsEnumerable(), after.Tags.AsEnumerable());
    }

    [Fact]
    public async Task A_full_vg_is_VG_FULL_for_create_extend_and_contiguous_allocation()
    {
        // 64 MiB device: 15 extents of 4 MiB after the 1 MiB metadata area. With a removed
        // first, 14 are free but only 13 of them in one run: pe 0 and pe 2..14.
        await using var vg = await CreateAsync(deviceSize: 64 * MiB);
        await vg.Lvm.LvCreateAsync(vg.Vg, "a", 4 * MiB, []);
        await vg.Lvm.LvCreateAsync(vg.Vg, "b", 4 * MiB, []);
        await vg.Lvm.LvRemoveAsync(vg.Vg, "a");

        var create = await Assert.ThrowsAsync<SanpoolException>(() => vg.Lvm.LvCreateAsync(vg.Vg, "big", 1 * GiB, []));
        var extend = await Assert.ThrowsAsync<SanpoolException>(() => vg.Lvm.LvExtendAsync(vg.Vg, "b", 1 * GiB));
        var contiguous = await Assert.ThrowsAsync<SanpoolException>(() => vg.Lvm.LvCreateAsync(vg.Vg, "c", 14 * 4 * MiB, [], contiguous: true));
        await vg.Lvm.LvCreateAsync(vg.Vg, "c", 14 * 4 * MiB, []);

        Assert.Equal(LvmErrors.VgFull, create.Code);
        Assert.Equal(LvmErrors.VgFull, extend.Code);
        Assert.Equal(LvmErrors.VgFull, contiguous.Code);
        Assert.Contains("lvcreate", create.Message, StringComparison.Ordinal);
        Assert.Contains("insufficient free space", create.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Activation disabled", create.Message, StringComparison.Ordinal);
        Assert.Equal(0, Assert.Single(await vg.Lvm.VgsAsync(vg.Vg)).FreeCount);
    }

    [Fact]
    public async Task A_taken_name_is_LV_EXISTS_and_missing_objects_are_VG_or_LV_NOT_FOUND()
    {
        await using var vg = await CreateAsync();
        await vg.Lvm.LvCreateAsync(vg.Vg, "a", 4 * MiB, []);
        await vg.Lvm.LvCreateAsync(vg.Vg, "b", 4 * MiB, []);

        var errors = new Dictionary<string, ErrorCode>
        {
            ["lvcreate existing"] = await CodeOf(() => vg.Lvm.LvCreateAsync(vg.Vg, "a", 4 * MiB, [])),
            ["lvrename onto existing"] = await CodeOf(() => vg.Lvm.LvRenameAsync(vg.Vg, "a", "b")),
            ["vgcreate existing"] = await CodeOf(() => vg.Lvm.VgCreateAsync(vg.Vg, [vg.Device.Path], 4 * MiB, [])),
            ["vgs missing"] = await CodeOf(() => vg.Lvm.VgsAsync("no-such-vg")),
            ["lvs in missing vg"] = await CodeOf(() => vg.Lvm.LvsAsync("no-such-vg")),
            ["lvcreate in missing vg"] = await CodeOf(() => vg.Lvm.LvCreateAsync("no-such-vg", "x", 4 * MiB, [])),
            ["lvs missing"] = await CodeOf(() => vg.Lvm.LvsAsync(vg.Vg, "nope")),
            ["lvextend missing"] = await CodeOf(() => vg.Lvm.LvExtendAsync(vg.Vg, "nope", 8 * MiB)),
            ["lvremove missing"] = await CodeOf(() => vg.Lvm.LvRemoveAsync(vg.Vg, "nope")),
            ["lvrename missing"] = await CodeOf(() => vg.Lvm.LvRenameAsync(vg.Vg, "nope", "other")),
            ["lvchange missing"] = await CodeOf(() => vg.Lvm.LvChangeTagsAsync(vg.Vg, "nope", ["t"], [])),
        };

        Assert.Equal(
            new Dictionary<string, ErrorCode>
            {
                ["lvcreate existing"] = LvmErrors.LvExists,
                ["lvrename onto existing"] = LvmErrors.LvExists,
                ["vgcreate existing"] = LvmErrors.VgExists,
                ["vgs missing"] = LvmErrors.VgNotFound,
                ["lvs in missing vg"] = LvmErrors.VgNotFound,
                ["lvcreate in missing vg"] = LvmErrors.VgNotFound,
                ["lvs missing"] = LvmErrors.LvNotFound,
                ["lvextend missing"] = LvmErrors.LvNotFound,
                ["lvremove missing"] = LvmErrors.LvNotFound,
                ["lvrename missing"] = LvmErrors.LvNotFound,
                ["lvchange missing"] = LvmErrors.LvNotFound,
            },
            errors);
    }

    [Fact]
    public async Task Any_other_failure_is_LVM_FAILED_naming_command_exit_code_and_stderr()
    {
        await using var vg = await CreateAsync();

        // The device is a PV of a VG already: pvcreate refuses without -ff.
        var e = await Assert.ThrowsAsync<SanpoolException>(() => vg.Lvm.PvCreateAsync([vg.Device.Path]));

        Assert.Equal(LvmErrors.LvmFailed, e.Code);
        Assert.Contains($"pvcreate --config devices {{ filter=[\"a|^{vg.Device.Path}$|\",\"r|.*|\"]", e.Message, StringComparison.Ordinal);
        Assert.Contains("exited with 5", e.Message, StringComparison.Ordinal);
        Assert.Contains("without -ff", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pvcreate_refuses_a_device_holding_a_file_system_instead_of_waiting_at_the_prompt()
    {
        string mkfs = Sanpool.TestSupport.Requires.Tool("mkfs.ext4", "e2fsprogs");
        await using var vg = await CreateAsync(deviceSize: 64 * MiB);
        var disk = await vg.AddDeviceAsync(64 * MiB);
        await ExternalTool.RunAsync([mkfs, "-q", disk.Path], TimeSpan.FromSeconds(30), CancellationToken.None);

        var e = await Assert.ThrowsAsync<SanpoolException>(() => vg.For(disk).PvCreateAsync([disk.Path]));

        Assert.Equal(LvmErrors.LvmFailed, e.Code);
        Assert.Contains("Aborted wiping of ext4", e.Message, StringComparison.Ordinal);
        Assert.Empty(await vg.For(disk).PvsAsync());
    }

    [Fact]
    public async Task A_new_lun_extends_the_vg_and_a_full_vg_then_has_room_across_both_pvs()
    {
        await using var vg = await CreateAsync(deviceSize: 64 * MiB);
        await vg.Lvm.LvCreateAsync(vg.Vg, "thin", 4 * MiB, []);
        var full = await Assert.ThrowsAsync<SanpoolException>(() => vg.Lvm.LvExtendAsync(vg.Vg, "thin", 100 * MiB));
        var lun = await vg.AddDeviceAsync(64 * MiB);
        var both = vg.For(vg.Device, lun);

        await both.PvCreateAsync([lun.Path]);
        await both.VgExtendAsync(vg.Vg, [lun.Path]);
        await both.LvExtendAsync(vg.Vg, "thin", 100 * MiB);

        Assert.Equal(LvmErrors.VgFull, full.Code);
        Assert.Equal(2, Assert.Single(await both.VgsAsync(vg.Vg)).PvCount);
        var thin = Assert.Single(await both.LvsAsync(vg.Vg, "thin"));
        Assert.Equal(100 * MiB, thin.Size);
        Assert.Equal([vg.Device.Path, lun.Path], thin.Segments.Select(s => s.PvName));
        Assert.Equal([0L, 15L], thin.Segments.Select(s => s.LogicalStart));
    }

    [Fact]
    public async Task Bad_names_tags_and_sizes_are_refused_before_lvm_runs()
    {
        var lvm = new LvmCommand(new LvmOptions(["/dev/null-device-never-used"]));

        var codes = new[]
        {
            await CodeOf(() => lvm.LvCreateAsync("vg", "--force", 4 * MiB, [])),
            await CodeOf(() => lvm.LvCreateAsync("vg", "lv", 4 * MiB, ["a,b"])),
            await CodeOf(() => lvm.LvCreateAsync("vg", "lv", 4 * MiB + 1, [])),
            await CodeOf(() => lvm.VgCreateAsync("vg", ["/dev/x"], 3 * MiB, [])),
            await CodeOf(() => lvm.LvChangeTagsAsync("vg", "lv", ["ok"], ["sp ace"])),
        };

        Assert.All(codes, c => Assert.Equal(CommonErrors.InvalidArgument, c));
    }

    /// <summary>The LV Tags column of plain <c>lvs -o +tags</c>, what an administrator reads.</summary>
    private static async Task<string> AdminLvsTagsAsync(LvmTestVg vg, string lv)
    {
        var result = await ExternalTool.RunAsync(
            [vg.Lvm.Options.LvmPath, "lvs", "--config", LvmConfig.Build(vg.Lvm.Options.Devices), "--noheadings", "-o", "+tags", $"{vg.Vg}/{lv}"],
            TimeSpan.FromSeconds(30),
            CancellationToken.None);
        string[] columns = result.Stdout.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(lv, columns[0]);
        return columns[^1];
    }

    private static async Task<ErrorCode> CodeOf(Func<Task> action) =>
        (await Assert.ThrowsAsync<SanpoolException>(action)).Code;
}
