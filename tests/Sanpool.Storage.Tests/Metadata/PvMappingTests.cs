using Sanpool.Core;
using Sanpool.Storage.Metadata;

namespace Sanpool.Storage.Tests.Metadata;

/// <summary>The PVn value of block domain metadata, in VDSM's item order.</summary>
public sealed class PvMappingTests
{
    private const string Golden = "pv:36001405c0ffee0000000000000000001,uuid:aB3dEf-Gh1j-Kl2m-No3p-Qr4s-Tu5v-Wx6yZ0,pestart:0,pecount:77,mapoffset:77";

    [Fact]
    public void Block_pv_mapping_round_trips_the_vdsm_item_order()
    {
        var m = new PvMapping("36001405c0ffee0000000000000000001", "aB3dEf-Gh1j-Kl2m-No3p-Qr4s-Tu5v-Wx6yZ0", 0, 77, 77);
        Assert.Equal(Golden, m.ToValue());
        Assert.Equal(m, PvMapping.Parse(Golden));
        Assert.Equal("MDT_PV1=pv:36001405c0ffee0000000000000000001&44&uuid:aB3dEf-Gh1j-Kl2m-No3p-Qr4s-Tu5v-Wx6yZ0&44&pestart:0&44&pecount:77&44&mapoffset:77",
            VgTagCodec.MetadataPrefix + VgTagCodec.Encode($"{PvMapping.Key(1)}={m.ToValue()}"));
    }

    [Theory]
    [InlineData("PV0", 0)]
    [InlineData("PV12", 12)]
    [InlineData("PV", null)]
    [InlineData("PVx", null)]
    [InlineData("POOL_UUID", null)]
    public void Block_pv_keys_are_recognised(string key, int? index) => Assert.Equal(index, PvMapping.IndexOf(key));

    [Theory]
    [InlineData("pv:a,uuid:b,pestart:0,pecount:x,mapoffset:0")]
    [InlineData("pv:a,uuid:b,pestart:0,mapoffset:0")]
    [InlineData("pv:a,uuid:b,pestart:0,pecount:1,mapoffset:0,junk")]
    public void Block_pv_mapping_that_is_not_vdsms_is_invalid(string value) =>
        Assert.Equal(StorageErrors.MetadataInvalid, Assert.Throws<SanpoolException>(() => PvMapping.Parse(value)).Code);
}
