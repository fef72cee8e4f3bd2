using Sanpool.Core;
using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Tests.Metadata;

public class DomainMetadataTests
{
    /// <summary>A V5 file domain's metadata as VDSM wrote it (reference vdsm-storage.md, section 2).</summary>
    private static readonly string[] VdsmExample =
    [
        "ALIGNMENT=1048576", "BLOCK_SIZE=512", "CLASS=Data", "DESCRIPTION=storage domain", "IOOPTIMEOUTSEC=10",
        "LEASERETRIES=3", "LEASETIMESEC=60", "LOCKPOLICY=", "LOCKRENEWALINTERVALSEC=5", "POOL_UUID=",
        "REMOTE_PATH=server:/path", "ROLE=Regular", "SDUUID=275766cb-c7d8-43d6-a663-4e52160de620", "TYPE=LOCALFS",
        "VERSION=5", "_SHA_CKSUM=9336f77705ff9e3d5faf65c4d0dc818a29de458d",
    ];

    [Fact]
    public void Vdsm_written_metadata_verifies_and_is_written_back_identically()
    {
        var md = DomainMetadata.Parse(VdsmExample, "example");
        Assert.Equal("275766cb-c7d8-43d6-a663-4e52160de620", md["SDUUID"]);
        Assert.Equal("", md["LOCKPOLICY"]);
        Assert.Equal(VdsmExample, md.ToLines());
    }

    [Theory]
    [InlineData(3, "DESCRIPTION=storage domaiN")]
    [InlineData(14, "VERSION=4")]
    [InlineData(15, "_SHA_CKSUM=9336f77705ff9e3d5faf65c4d0dc818a29de458e")]
    public void A_changed_line_breaks_the_seal(int index, string replacement)
    {
        var lines = VdsmExample.ToArray();
        lines[index] = replacement;
        var e = Assert.Throws<SanpoolException>(() => DomainMetadata.Parse(lines, "example"));
        Assert.Equal(StorageErrors.MetadataSealBroken, e.Code);
    }

    [Fact]
    public void Metadata_without_a_seal_is_legacy_and_trusted()
    {
        var md = DomainMetadata.Parse(VdsmExample[..^1], "legacy");
        Assert.Equal("5", md["VERSION"]);
    }

    [Fact]
    public void Block_domain_metadata_round_trips_through_vg_tags()
    {
        var md = DomainMetadata.Parse(VdsmExample, "example").With("DESCRIPTION", "pool A, rack 3 (ünïcode)");
        var tags = VgTagCodec.ToTags(md);
        Assert.Contains("MDT_DESCRIPTION=pool&32&A&44&&32&rack&32&3&32&&40&&252&n&239&code&41&", tags);
        Assert.All(tags, t => Assert.Matches("^[a-zA-Z0-9_+.\\-/=!:#&]+$", t));
        var back = DomainMetadata.Parse(VgTagCodec.FromTags(tags.Append("RHAT_storage_domain")), "tags");
        Assert.Equal(md, back, (a, b) => a.Values.SequenceEqual(b.Values));
    }

    [Fact]
    public void Non_ascii_characters_are_sealed_as_xml_character_references()
    {
        // VDSM hashes with encode('ascii', 'xmlcharrefreplace'): "é" counts as "&#233;".
        Assert.Equal(DomainMetadata.Checksum(["DESCRIPTION=caf&#233;"]), DomainMetadata.Checksum(["DESCRIPTION=café"]));
    }
}
