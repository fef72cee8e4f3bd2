using Sanpool.Core.Tools;
using Sanpool.Storage.Lvm;

namespace Sanpool.Storage.Tests.Lvm;

/// <summary>stderr lines as LVM 2.03.16 printed them on this machine, mapped to codes.</summary>
public sealed class LvmFailureTests
{
    public static TheoryData<string, string> Messages => new()
    {
        { "Volume group \"vg1\" has insufficient free space (21 extents): 800 required.", "VG_FULL" },
        { "Insufficient free space: 796 extents needed, but only 21 available", "VG_FULL" },
        { "Insufficient suitable contiguous allocatable extents for logical volume c: 2 more required", "VG_FULL" },
        { "Logical Volume \"lv1\" already exists in volume group \"vg1\"", "LV_EXISTS" },
        { "A volume group called vg1 already exists.", "VG_EXISTS" },
        { "Volume group \"nosuchvg\" not found | Cannot process volume group nosuchvg", "VG_NOT_FOUND" },
        { "Failed to find logical volume \"vg1/nosuch\"", "LV_NOT_FOUND" },
        { "Logical volume nosuch not found in volume group vg1.", "LV_NOT_FOUND" },
        { "Existing logical volume \"nosuch\" not found in volume group \"vg1\"", "LV_NOT_FOUND" },
        { "Cannot use /dev/loop7: device is rejected by filter config | Command requires all devices to be found.", "DEVICE_NOT_FOUND" },
        { "Can't initialize physical volume \"/dev/loop0\" of volume group \"vg1\" without -ff", "LVM_FAILED" },
        { "", "LVM_FAILED" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Stderr_maps_to_a_specific_code(string stderr, string code)
    {
        Assert.Equal(code, LvmFailure.Classify(stderr).Name);
    }

    [Fact]
    public void The_error_names_command_exit_code_and_stderr_without_the_metadata_only_noise()
    {
        const string stderr = """
              WARNING: Activation disabled. No device-mapper interaction will be attempted.
              Volume group "vg1" has insufficient free space (21 extents): 800 required.
              WARNING: This metadata update is NOT backed up.
              WARNING: Logical volume vg1/big not zeroed.
            File descriptor 10 (/dev/null) leaked on lvm invocation. Parent PID 29309: bash
            """;
        var result = new ToolResult(["lvm", "lvcreate", "--name", "big", "vg1"], 5, "", stderr);

        var e = LvmFailure.From(result);

        Assert.Equal(LvmErrors.VgFull, e.Code);
        Assert.Equal("lvm lvcreate --name big vg1 exited with 5: Volume group \"vg1\" has insufficient free space (21 extents): 800 required.", e.Message);
        Assert.False(e.IsTransient);
    }
}
