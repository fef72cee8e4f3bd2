using Sanpool.Core;
using Sanpool.Storage.Lvm;

namespace Sanpool.Storage.Tests.Lvm;

public sealed class LvmConfigTests
{
    [Fact]
    public void The_filter_accepts_exactly_the_listed_devices_then_rejects_everything()
    {
        Assert.Equal("""["a|^/dev/loop3$|","a|^/dev/mapper/36001405abc$|","r|.*|"]""", LvmConfig.Filter(["/dev/loop3", "/dev/mapper/36001405abc"]));
        Assert.Equal("""["r|.*|"]""", LvmConfig.Filter([]));
    }

    [Fact]
    public void Regex_characters_in_a_path_are_escaped_so_it_matches_only_itself()
    {
        Assert.Equal("""["a|^/dev/disk/by-id/x\.a\+b\(1\)$|","r|.*|"]""", LvmConfig.Filter(["/dev/disk/by-id/x.a+b(1)"]));
    }

    [Fact]
    public void The_config_sets_the_filter_twice_and_turns_off_activation_lvmlockd_udev_and_backups()
    {
        string config = LvmConfig.Build(["/dev/loop3"]);

        Assert.Contains("""filter=["a|^/dev/loop3$|","r|.*|"] global_filter=["a|^/dev/loop3$|","r|.*|"]""", config, StringComparison.Ordinal);
        foreach (var setting in new[] { "use_devicesfile=0", "obtain_device_list_from_udev=0", "hints=\"none\"", "activation=0", "use_lvmlockd=0", "udev_sync=0", "backup=0", "archive=0" })
        {
            Assert.Contains(setting, config, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Only_the_activation_config_lets_lvm_touch_device_mapper_and_it_differs_in_nothing_else()
    {
        string metadataOnly = LvmConfig.Build(["/dev/loop3"]);
        string activation = LvmConfig.Build(["/dev/loop3"], activation: true);

        Assert.Contains("global { activation=0 use_lvmlockd=0 }", metadataOnly, StringComparison.Ordinal);
        Assert.Contains("global { activation=1 use_lvmlockd=0 }", activation, StringComparison.Ordinal);
        Assert.Equal(metadataOnly, activation.Replace("activation=1", "activation=0", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("loop3")]
    [InlineData("/dev/lo\"op")]
    [InlineData("/dev/a|b")]
    [InlineData("/dev/a b")]
    [InlineData("/dev/a\\b")]
    [InlineData("/")]
    public void A_device_path_that_could_break_the_filter_is_refused(string path)
    {
        Assert.Equal(CommonErrors.InvalidArgument, Assert.Throws<SanpoolException>(() => LvmConfig.Filter([path])).Code);
    }

    [Theory]
    [InlineData("275766cb-c7d8-43d6-a663-4e52160de620", true)]
    [InlineData("a+b_c.d-e", true)]
    [InlineData("-a", false)]
    [InlineData("..", false)]
    [InlineData("a/b", false)]
    [InlineData("", false)]
    public void Names_follow_lvm_rules(string name, bool ok)
    {
        if (ok)
        {
            Assert.Equal(name, LvmNames.CheckName(name, "LV"));
        }
        else
        {
            Assert.Throws<SanpoolException>(() => LvmNames.CheckName(name, "LV"));
        }
    }

    [Theory]
    [InlineData("MDT_DESCRIPTION=a&32&b", true)]
    [InlineData("PU_00000000-0000-0000-0000-000000000000", true)]
    [InlineData("x#:!/+.", true)]
    [InlineData("a,b", false)]
    [InlineData("a b", false)]
    [InlineData("", false)]
    public void Tags_follow_lvm_rules(string tag, bool ok)
    {
        if (ok)
        {
            Assert.Equal(tag, LvmNames.CheckTag(tag));
        }
        else
        {
            Assert.Throws<SanpoolException>(() => LvmNames.CheckTag(tag));
        }
    }
}
