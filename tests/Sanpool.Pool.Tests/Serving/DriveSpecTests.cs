using System.Text.Json.Nodes;
using Sanpool.Pool.Serving;
using Sanpool.Storage.Metadata;

namespace Sanpool.Pool.Tests.Serving;

/// <summary>The json: drive specification names every link of the chain itself, so qemu never follows a header's backing name.</summary>
public sealed class DriveSpecTests
{
    private static readonly Guid Base = Guid.Parse("11111111-1111-1111-1111-111111111111");
    private static readonly Guid Top = Guid.Parse("22222222-2222-2222-2222-222222222222");

    [Fact]
    public void A_file_chain_is_a_qcow2_over_a_raw_base_with_file_protocol_nodes()
    {
        var chain = new[]
        {
            new PreparedVolume(Base, VolumeFormat.RAW, Writable: false, Thin: false, null, "/sd/images/i/" + Base),
            new PreparedVolume(Top, VolumeFormat.COW, Writable: true, Thin: false, null, "/sd/images/i/" + Top),
        };

        string spec = DriveSpec.Of(chain, "/unused.sock");

        Assert.Equal(
            "json:{\"driver\":\"qcow2\",\"node-name\":\"f222222222222222222222222222222\"," +
            "\"file\":{\"driver\":\"file\",\"filename\":\"/sd/images/i/" + Top + "\",\"node-name\":\"p222222222222222222222222222222\"}," +
            "\"backing\":{\"driver\":\"raw\",\"node-name\":\"f111111111111111111111111111111\"," +
            "\"file\":{\"driver\":\"file\",\"filename\":\"/sd/images/i/" + Base + "\",\"node-name\":\"p111111111111111111111111111111\"}}}",
            spec);
    }

    [Fact]
    public void A_qcow2_base_gets_backing_null_so_its_header_is_not_followed()
    {
        var chain = new[] { new PreparedVolume(Base, VolumeFormat.COW, true, false, null, "/f") };

        var tree = DriveSpec.Tree(chain, "/s");

        Assert.True(tree.ContainsKey("backing"));
        Assert.Null(tree["backing"]);
    }

    [Fact]
    public void A_raw_volume_above_the_base_is_refused()
    {
        var chain = new[]
        {
            new PreparedVolume(Base, VolumeFormat.COW, false, false, null, "/a"),
            new PreparedVolume(Top, VolumeFormat.RAW, true, false, null, "/b"),
        };

        Assert.Throws<ArgumentException>(() => DriveSpec.Tree(chain, "/s"));
    }

    [Fact]
    public void The_spec_parses_back_as_JSON_with_the_leaf_on_top()
    {
        var chain = new[]
        {
            new PreparedVolume(Base, VolumeFormat.COW, false, false, null, "/a"),
            new PreparedVolume(Top, VolumeFormat.COW, true, false, null, "/b"),
        };

        var tree = JsonNode.Parse(DriveSpec.Of(chain, "/s")[DriveSpec.Prefix.Length..])!;

        Assert.Equal("/b", (string?)tree["file"]!["filename"]);
        Assert.Equal("/a", (string?)tree["backing"]!["file"]!["filename"]);
        Assert.Null(tree["backing"]!["backing"]);
    }

    [Fact]
    public void As_blockdevs_each_volume_is_a_protocol_and_a_format_node_linked_by_name_base_first_parents_read_only()
    {
        var chain = new[]
        {
            new PreparedVolume(Base, VolumeFormat.COW, Writable: false, Thin: false, null, "/a"),
            new PreparedVolume(Top, VolumeFormat.COW, Writable: true, Thin: true, null, "/b"),
        };

        var nodes = DriveSpec.Blockdevs(chain, "/s");

        Assert.Equal(
            [
                """{"driver":"file","filename":"/a","node-name":"p111111111111111111111111111111","read-only":true}""",
                """{"driver":"qcow2","node-name":"f111111111111111111111111111111","file":"p111111111111111111111111111111","read-only":true,"backing":null}""",
                """{"driver":"file","filename":"/b","node-name":"p222222222222222222222222222222","read-only":false}""",
                """{"driver":"qcow2","node-name":"f222222222222222222222222222222","file":"p222222222222222222222222222222","read-only":false,"backing":"f111111111111111111111111111111"}""",
            ],
            nodes.Select(n => n.ToJsonString()));
    }

    [Fact]
    public void As_blockdevs_a_raw_base_has_no_backing_key_and_a_raw_above_it_is_refused()
    {
        var raw = new PreparedVolume(Base, VolumeFormat.RAW, Writable: true, Thin: false, null, "/a");
        Assert.False(DriveSpec.Blockdevs([raw], "/s")[1].ContainsKey("backing"));

        var cow = new PreparedVolume(Top, VolumeFormat.COW, Writable: false, Thin: false, null, "/b");
        Assert.Throws<ArgumentException>(() => DriveSpec.Blockdevs([cow, raw], "/s"));
    }
}
