using System.Text.Json.Nodes;
using Sanpool.Storage.Qemu;

namespace Sanpool.Storage.Tests.Qemu;

public class QemuTargetTests
{
    [Fact]
    public void A_relative_path_with_a_colon_becomes_absolute_so_qemu_never_reads_it_as_a_protocol()
    {
        var target = QemuTarget.Path("nbd:evil");

        Assert.True(target.IsPath);
        Assert.StartsWith("/", target.Filename, StringComparison.Ordinal);
        Assert.Equal(target.Filename, target.Argument(QemuImageFormat.Qcow2));
    }

    [Fact]
    public void A_slice_is_a_raw_offset_node_over_the_device_with_locking_off()
    {
        var target = QemuTarget.Slice("/dev/loop7", 1 << 20, 64 << 20);

        Assert.Equal(
            "json:{\"driver\":\"raw\",\"offset\":1048576,\"size\":67108864,\"file\":{\"driver\":\"host_device\",\"filename\":\"/dev/loop7\",\"locking\":\"off\"}}",
            target.Argument(QemuImageFormat.Raw));
        Assert.True(target.IsJson);
        Assert.False(target.IsPath);
    }

    [Fact]
    public void A_qcow2_volume_in_a_slice_gets_the_qcow2_node_layered_over_it()
    {
        var target = QemuTarget.Slice("/tmp/pv.img", 0, 1 << 20);

        var node = JsonNode.Parse(target.Argument(QemuImageFormat.Qcow2, withoutBacking: true)["json:".Length..])!.AsObject();

        Assert.Equal("qcow2", (string?)node["driver"]);
        Assert.Equal("raw", (string?)node["file"]!["driver"]);
        Assert.Equal("file", (string?)node["file"]!["file"]!["driver"]);
        Assert.True(node.ContainsKey("backing"));
        Assert.Null(node["backing"]);
    }

    [Fact]
    public void Nbd_and_arbitrary_filenames_pass_through_unchanged()
    {
        Assert.Equal("nbd+unix:///vol%201?socket=/run/s.sock", QemuTarget.Nbd("/run/s.sock", "vol 1").Argument(QemuImageFormat.Qcow2));
        Assert.Equal("json:{\"driver\":\"null-co\"}", QemuTarget.FromQemuFilename("json:{\"driver\":\"null-co\"}").Argument(QemuImageFormat.Qcow2));
    }
}
