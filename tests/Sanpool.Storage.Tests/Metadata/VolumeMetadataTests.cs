using System.Text;
using Sanpool.Core;
using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Tests.Metadata;

public class VolumeMetadataTests
{
    /// <summary>A V5 volume's metadata as VDSM writes it (reference vdsm-storage.md, section 2).</summary>
    private const string VdsmExample =
        "CAP=21474836480\nCTIME=1712345678\nDESCRIPTION={\"DiskAlias\":\"vm1_Disk1\",\"DiskDescription\":\"\"}\nDISKTYPE=DATA\n" +
        "DOMAIN=c6a0f4a1-1d3b-4a5e-9c1e-3f0f5c2b9a10\nFORMAT=COW\nGEN=0\nIMAGE=5d2a1c3e-7b8f-4e2a-a1b3-9c8d7e6f5a40\n" +
        "LEGALITY=LEGAL\nPUUID=00000000-0000-0000-0000-000000000000\nSEQ=1\nTYPE=SPARSE\nVOLTYPE=LEAF\nEOF\n";

    [Fact]
    public void Vdsm_written_record_parses_and_is_written_back_byte_for_byte()
    {
        var slot = new byte[VolumeMetadata.MaxSize];
        Encoding.UTF8.GetBytes(VdsmExample).CopyTo(slot, 0);
        var md = VolumeMetadata.Parse(slot, "slot 3");
        Assert.Equal(VolumeFormat.COW, md.Format);
        Assert.Equal(AllocationType.SPARSE, md.Type);
        Assert.Equal(VolumeRole.LEAF, md.Role);
        Assert.Equal(VolumeMetadata.NoParent, md.Parent);
        Assert.Equal(21474836480, md.Capacity);
        Assert.Equal(VdsmExample, Encoding.UTF8.GetString(md.ToBytes()));
    }

    [Theory]
    [InlineData("FORMAT=COW", "FORMAT=QCOW")]
    [InlineData("IMAGE=5d2a1c3e-7b8f-4e2a-a1b3-9c8d7e6f5a40", "IMAGE=../../etc")]
    [InlineData("CAP=21474836480", "CAP=-1")]
    [InlineData("VOLTYPE=LEAF\n", "")]
    public void Bad_or_missing_fields_are_refused(string field, string replacement)
    {
        var bytes = Encoding.UTF8.GetBytes(VdsmExample.Replace(field, replacement, StringComparison.Ordinal));
        var e = Assert.Throws<SanpoolException>(() => VolumeMetadata.Parse(bytes, "slot 3"));
        Assert.Equal(StorageErrors.MetadataInvalid, e.Code);
    }

    [Fact]
    public void A_record_over_512_bytes_is_refused_before_anything_is_written()
    {
        var md = VolumeMetadata.Parse(Encoding.UTF8.GetBytes(VdsmExample), "x") with { Description = new string('é', 200) };
        var e = Assert.Throws<SanpoolException>(md.ToBytes);
        Assert.Equal(StorageErrors.MetadataOverflow, e.Code);
    }

    [Fact]
    public void Generation_wraps_after_999()
    {
        var md = VolumeMetadata.Parse(Encoding.UTF8.GetBytes(VdsmExample), "x") with { Generation = 999 };
        Assert.Equal(0, md.NextGeneration().Generation);
    }

    [Fact]
    public void Slots_follow_the_v5_layout()
    {
        Assert.Equal(1024 * 1024 + 8192, MetadataSlots.Offset(1));
        Assert.Equal(4, MetadataSlots.FirstFree([1, 2, 3, 5]));
        Assert.Equal(103L * 1024 * 1024, MetadataSlots.LeaseOffset(3, 1024 * 1024));
    }
}
