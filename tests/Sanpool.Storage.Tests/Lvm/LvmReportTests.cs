using Sanpool.Core;
using Sanpool.Storage.Lvm;

namespace Sanpool.Storage.Tests.Lvm;

public sealed class LvmReportTests
{
    /// <summary>
    /// lvs output captured from LVM 2.03.16 on a 4 GiB loop device with 128 MiB extents: lv1 was
    /// extended after lv2 and lv3 took the extents behind it, so it has two segments.
    /// </summary>
    private const string LvsTwoSegments = """
          {
              "report": [
                  {
                      "lv": [
                          {"lv_uuid":"2QJO71-FSGp-qR8h-72bY-LlYQ-pZxU-hezvV8", "lv_name":"lv1", "vg_name":"vg1", "lv_attr":"-wi-XX----", "lv_size":"536870912", "lv_tags":"", "seg_start_pe":"0", "seg_size_pe":"2", "seg_pe_ranges":"/dev/loop0:0-1", "segtype":"linear"},
                          {"lv_uuid":"2QJO71-FSGp-qR8h-72bY-LlYQ-pZxU-hezvV8", "lv_name":"lv1", "vg_name":"vg1", "lv_attr":"-wi-XX----", "lv_size":"536870912", "lv_tags":"", "seg_start_pe":"2", "seg_size_pe":"2", "seg_pe_ranges":"/dev/loop0:8-9", "segtype":"linear"},
                          {"lv_uuid":"oZg6Y9-eiyo-iO93-w3so-gMbM-ku0i-lItig5", "lv_name":"lv2", "vg_name":"vg1", "lv_attr":"-wi-XX----", "lv_size":"268435456", "lv_tags":"IU_x,PU_a", "seg_start_pe":"0", "seg_size_pe":"2", "seg_pe_ranges":"/dev/loop0:2-3", "segtype":"linear"}
                      ]
                  }
              ]
          }
        """;

    [Fact]
    public void Rows_of_one_lv_become_one_lv_with_its_segments_in_logical_order()
    {
        var lvs = LvmReport.ParseLvs(LvsTwoSegments);

        Assert.Equal(["lv1", "lv2"], lvs.Select(l => l.Name));
        var lv1 = lvs[0];
        Assert.Equal("vg1", lv1.VgName);
        Assert.Equal("2QJO71-FSGp-qR8h-72bY-LlYQ-pZxU-hezvV8", lv1.Uuid);
        Assert.Equal("-wi-XX----", lv1.Attr);
        Assert.Equal(512L << 20, lv1.Size);
        Assert.Empty(lv1.Tags);
        Assert.Equal([new LvSegment(0, 2, "/dev/loop0", 0), new LvSegment(2, 2, "/dev/loop0", 8)], lv1.Segments.AsEnumerable());
        Assert.Equal(4, lv1.ExtentCount);
        Assert.Equal(["IU_x", "PU_a"], lvs[1].Tags.AsEnumerable());
        Assert.Equal([new LvSegment(0, 2, "/dev/loop0", 2)], lvs[1].Segments.AsEnumerable());
    }

    [Fact]
    public void Segments_printed_out_of_order_are_sorted_by_logical_extent()
    {
        string json = Lvs(Row("a", "2", "2", "/dev/loop0:8-9"), Row("a", "0", "2", "/dev/loop0:0-1"));

        var lv = Assert.Single(LvmReport.ParseLvs(json));

        Assert.Equal([0L, 2L], lv.Segments.Select(s => s.LogicalStart));
    }

    [Fact]
    public void A_pv_path_with_colons_splits_at_the_last_one()
    {
        var segment = LvmReport.ParseSegment("/dev/disk/by-path/ip-10.0.0.1:3260-iscsi-iqn.2026-01.x:t-lun-1:120-129", 5, 10, "lv");

        Assert.Equal(new LvSegment(5, 10, "/dev/disk/by-path/ip-10.0.0.1:3260-iscsi-iqn.2026-01.x:t-lun-1", 120), segment);
    }

    [Theory]
    [InlineData("/dev/loop0:0-1 /dev/loop1:0-1", "not one linear range")] // striped over two PVs
    [InlineData("", "not one linear range")]
    [InlineData("/dev/loop0:5", "not one linear range")]
    [InlineData("/dev/loop0:9-5", "not one linear range")]
    [InlineData("/dev/loop0:0-2", "its PE range '/dev/loop0:0-2' has 3")] // seg_size_pe says 2
    public void A_segment_that_is_not_one_linear_range_is_a_bad_report(string ranges, string expected)
    {
        var e = Assert.Throws<SanpoolException>(() => LvmReport.ParseLvs(Lvs(Row("a", "0", "2", ranges))));

        Assert.Equal(LvmErrors.BadReport, e.Code);
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Vgs_report_reads_sizes_counts_and_tags()
    {
        const string json = """
            {"report": [{"vg": [{"vg_name":"275766cb-c7d8-43d6-a663-4e52160de620", "vg_uuid":"KfEnCY-ZbsH-iNXZ-Ql17-94Bm-MqhA-RkUREo", "vg_extent_size":"134217728", "vg_extent_count":"31", "vg_free_count":"29", "vg_tags":"MDT_CLASS=Data,RHAT_storage_domain", "pv_count":"1"}]}]}
            """;

        var vg = Assert.Single(LvmReport.ParseVgs(json));

        Assert.Equal("275766cb-c7d8-43d6-a663-4e52160de620", vg.Name);
        Assert.Equal("KfEnCY-ZbsH-iNXZ-Ql17-94Bm-MqhA-RkUREo", vg.Uuid);
        Assert.Equal(128L << 20, vg.ExtentSize);
        Assert.Equal(31, vg.ExtentCount);
        Assert.Equal(29, vg.FreeCount);
        Assert.Equal(29L * (128L << 20), vg.Free);
        Assert.Equal(["MDT_CLASS=Data", "RHAT_storage_domain"], vg.Tags.AsEnumerable());
        Assert.Equal(1, vg.PvCount);
    }

    [Fact]
    public void Pvs_report_reads_pe_start_and_an_orphan_pv_has_no_vg()
    {
        const string json = """
            {"report": [{"pv": [
              {"pv_name":"/dev/loop0", "pv_uuid":"FwoAaF-PbYz-9MZF-75eq-2Yvt-iqOA-Na9CTi", "vg_name":"vg1", "pv_size":"4160749568", "pv_free":"2013265920", "pe_start":"1048576", "pv_pe_count":"31", "pv_pe_alloc_count":"16"},
              {"pv_name":"/dev/loop1", "pv_uuid":"x", "vg_name":"", "pv_size":"4294967296", "pv_free":"4294967296", "pe_start":"1048576", "pv_pe_count":"0", "pv_pe_alloc_count":"0"}
            ]}]}
            """;

        var pvs = LvmReport.ParsePvs(json);

        Assert.Equal(new PhysicalVolume("/dev/loop0", "FwoAaF-PbYz-9MZF-75eq-2Yvt-iqOA-Na9CTi", "vg1", 4160749568, 2013265920, 1048576, 31, 16), pvs[0]);
        Assert.Null(pvs[1].VgName);
    }

    [Fact]
    public void An_empty_vg_has_no_lvs()
    {
        Assert.Empty(LvmReport.ParseLvs("""{"report": [{"lv": []}]}"""));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"nothing": 1}""")]
    [InlineData("""{"report": [{"vg": [{"vg_name":"v"}]}]}""")] // fields missing
    [InlineData("""{"report": [{"vg": [{"vg_name":"v", "vg_uuid":"u", "vg_extent_size":"4 MiB", "vg_extent_count":"1", "vg_free_count":"1", "vg_tags":"", "pv_count":"1"}]}]}""")] // units left on
    [InlineData("""{"report": [{"vg": [{"vg_name":"v", "vg_uuid":"u", "vg_extent_size":4194304, "vg_extent_count":"1", "vg_free_count":"1", "vg_tags":"", "pv_count":"1"}]}]}""")] // not a string
    public void A_report_sanpool_cannot_read_is_LVM_BAD_REPORT(string json)
    {
        Assert.Equal(LvmErrors.BadReport, Assert.Throws<SanpoolException>(() => LvmReport.ParseVgs(json)).Code);
    }

    private static string Row(string name, string start, string size, string ranges) =>
        $$"""{"lv_uuid":"uuid-{{name}}", "lv_name":"{{name}}", "vg_name":"vg", "lv_attr":"-wi-XX----", "lv_size":"16777216", "lv_tags":"", "seg_start_pe":"{{start}}", "seg_size_pe":"{{size}}", "seg_pe_ranges":"{{ranges}}", "segtype":"linear"}""";

    private static string Lvs(params string[] rows) => $$"""{"report": [{"lv": [{{string.Join(", ", rows)}}]}]}""";
}
