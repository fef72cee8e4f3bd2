using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Sanpool.Core;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// Parses the JSON reports of <c>pvs/vgs/lvs --reportformat json --units b --nosuffix</c>:
/// <code>
/// {"report": [ {"lv": [ {"lv_name":"lv1", "lv_size":"536870912", "seg_pe_ranges":"/dev/loop0:8-9", ...}, ... ]} ]}
/// </code>
/// Every value is a string; sizes are bytes; tag lists are comma-joined (a comma cannot occur
/// in a tag). When segment fields are asked for, <c>lvs</c> prints one row per segment with
/// the LV's own fields repeated; rows are grouped back into one LV by lv_uuid.
/// The field lists live here, beside the code that reads them.
/// </summary>
public static class LvmReport
{
    public const string PvFields = "pv_name,pv_uuid,vg_name,pv_size,pv_free,pe_start,pv_pe_count,pv_pe_alloc_count";

    public const string VgFields = "vg_name,vg_uuid,vg_extent_size,vg_extent_count,vg_free_count,vg_tags,pv_count";

    public const string LvFields = "lv_uuid,lv_name,vg_name,lv_attr,lv_size,lv_tags,seg_start_pe,seg_size_pe,seg_pe_ranges,segtype";

    public static ImmutableArray<PhysicalVolume> ParsePvs(string json) =>
        [.. Rows(json, "pv").Select(r => new PhysicalVolume(
            Name: r.Text("pv_name"),
            Uuid: r.Text("pv_uuid"),
            VgName: r.Text("vg_name") is { Length: > 0 } vg ? vg : null,
            Size: r.Number("pv_size"),
            Free: r.Number("pv_free"),
            PeStart: r.Number("pe_start"),
            PeCount: r.Number("pv_pe_count"),
            PeAllocCount: r.Number("pv_pe_alloc_count")))];

    public static ImmutableArray<VolumeGroup> ParseVgs(string json) =>
        [.. Rows(json, "vg").Select(r => new VolumeGroup(
            Name: r.Text("vg_name"),
            Uuid: r.Text("vg_uuid"),
            ExtentSize: r.Number("vg_extent_size"),
            ExtentCount: r.Number("vg_extent_count"),
            FreeCount: r.Number("vg_free_count"),
            Tags: r.Tags("vg_tags"),
            PvCount: checked((int)r.Number("pv_count"))))];

    /// <summary>LVs in the order lvs printed them, each with its segments in logical order.</summary>
    public static ImmutableArray<LogicalVolume> ParseLvs(string json)
    {
        var lvs = new List<(Row First, List<LvSegment> Segments)>();
        var byUuid = new Dictionary<string, List<LvSegment>>(StringComparer.Ordinal);
        foreach (var row in Rows(json, "lv"))
        {
            string uuid = row.Text("lv_uuid");
            if (!byUuid.TryGetValue(uuid, out var segments))
            {
                segments = [];
                byUuid.Add(uuid, segments);
                lvs.Add((row, segments));
            }

            segments.Add(ParseSegment(row));
        }

        return [.. lvs.Select(lv => new LogicalVolume(
            Name: lv.First.Text("lv_name"),
            VgName: lv.First.Text("vg_name"),
            Uuid: lv.First.Text("lv_uuid"),
            Attr: lv.First.Text("lv_attr"),
            Size: lv.First.Number("lv_size"),
            Tags: lv.First.Tags("lv_tags"),
            Segments: [.. lv.Segments.OrderBy(s => s.LogicalStart)]))];
    }

    /// <summary>
    /// One linear segment from seg_pe_ranges "PV:first-last" (inclusive; the PV path may itself
    /// contain ':' as /dev/disk/by-path names do, so the last ':' splits). A striped segment
    /// lists several ranges; Sanpool creates only linear LVs, so that is a bad report.
    /// </summary>
    public static LvSegment ParseSegment(string pvRanges, long logicalStart, long extentCount, string lvName)
    {
        ArgumentNullException.ThrowIfNull(pvRanges);
        string ranges = pvRanges.Trim();
        int colon = ranges.LastIndexOf(':');
        int dash = colon < 0 ? -1 : ranges.IndexOf('-', colon);
        if (ranges.Contains(' ', StringComparison.Ordinal) || colon <= 0 || dash < 0
            || !long.TryParse(ranges.AsSpan(colon + 1, dash - colon - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long first)
            || !long.TryParse(ranges.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long last)
            || last < first)
        {
            throw Bad($"LV {lvName}: segment at extent {logicalStart} has PE ranges '{pvRanges}', not one linear range PV:first-last");
        }

        if (last - first + 1 != extentCount)
        {
            throw Bad($"LV {lvName}: segment at extent {logicalStart} spans {extentCount} extents but its PE range '{pvRanges}' has {last - first + 1}");
        }

        return new LvSegment(logicalStart, extentCount, ranges[..colon], first);
    }

    private static LvSegment ParseSegment(Row row) =>
        ParseSegment(row.Text("seg_pe_ranges"), row.Number("seg_start_pe"), row.Number("seg_size_pe"), row.Text("lv_name"));

    private static List<Row> Rows(string json, string kind)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var doc = JsonDocument.Parse(json);
            var rows = new List<Row>();
            foreach (var report in doc.RootElement.GetProperty("report").EnumerateArray())
            {
                if (report.TryGetProperty(kind, out var array))
                {
                    rows.AddRange(array.EnumerateArray().Select(ToRow));
                }
            }

            return rows;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw Bad($"cannot read the {kind}s report: {e.Message}", e);
        }
    }

    /// <summary>Copies one JSON object out, so rows outlive the JsonDocument.</summary>
    private static Row ToRow(JsonElement element)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in element.EnumerateObject())
        {
            fields[p.Name] = p.Value.GetString() ?? "";
        }

        return new Row(fields);
    }

    private static SanpoolException Bad(string message, Exception? inner = null) =>
        new(LvmErrors.BadReport, message, innerException: inner);

    private sealed record Row(Dictionary<string, string> Fields)
    {
        public string Text(string name) =>
            Fields.TryGetValue(name, out var v) ? v : throw Bad($"the report has no field {name}");

        public long Number(string name) =>
            long.TryParse(Text(name), NumberStyles.None, CultureInfo.InvariantCulture, out long n)
                ? n
                : throw Bad($"field {name} is '{Text(name)}', not a number of bytes or extents");

        public ImmutableArray<string> Tags(string name) =>
            [.. Text(name).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
    }
}
