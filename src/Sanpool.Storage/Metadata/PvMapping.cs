using System.Globalization;
using Sanpool.Core;

namespace Sanpool.Storage.Metadata;

/// <summary>
/// One <c>PVn</c> value of a block domain's metadata: which LUN is the domain's n-th PV and
/// where its extents sit in the domain's flat extent numbering. VDSM writes it as
/// comma-separated <c>name:value</c> items in this order:
/// <code>
/// PV0=pv:36001405abcdef,uuid:3Qm1Zr-...-x7Tq,pestart:0,pecount:61,mapoffset:0
/// PV1=pv:36001405fedcba,uuid:Vb7kLp-...-0aZc,pestart:0,pecount:61,mapoffset:61
/// </code>
/// <list type="table">
/// <item><term>pv</term><description>the device's file name under /dev/mapper (a multipath WWID; for a loop device "loop3")</description></item>
/// <item><term>uuid</term><description>the PV's LVM UUID</description></item>
/// <item><term>pestart</term><description>always 0 (VDSM writes 0, not LVM's pe_start)</description></item>
/// <item><term>pecount</term><description>extents on the PV when the mapping was made</description></item>
/// <item><term>mapoffset</term><description>the previous PV's mapoffset + pecount; PV0 (the PV holding the metadata LV) has 0</description></item>
/// </list>
/// In a VG tag the commas become <c>&amp;44&amp;</c> (<see cref="VgTagCodec"/>).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1720", Justification = "VDSM's name for the field: guid, the LUN's device name")]
public sealed record PvMapping(string Guid, string Uuid, long PeStart, long PeCount, long MapOffset)
{
    /// <summary>The metadata key of the PV at <paramref name="index"/>: "PV0", "PV1", ...</summary>
    public static string Key(int index) => "PV" + index.ToString(CultureInfo.InvariantCulture);

    /// <summary>The index in a key "PVn", or null if <paramref name="key"/> is not one.</summary>
    public static int? IndexOf(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return key.Length > 2 && key.StartsWith("PV", StringComparison.Ordinal)
               && int.TryParse(key.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n
            : null;
    }

    public string ToValue() => string.Create(CultureInfo.InvariantCulture,
        $"pv:{Guid},uuid:{Uuid},pestart:{PeStart},pecount:{PeCount},mapoffset:{MapOffset}");

    /// <summary>Parses a PVn value; METADATA_INVALID names the item that is missing or not a number.</summary>
    public static PvMapping Parse(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var items = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in value.Split(','))
        {
            int colon = item.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw Bad(value, $"item '{item}' is not name:value");
            }

            items[item[..colon]] = item[(colon + 1)..];
        }

        return new PvMapping(Text(items, "pv", value), Text(items, "uuid", value), Number(items, "pestart", value), Number(items, "pecount", value), Number(items, "mapoffset", value));
    }

    private static string Text(Dictionary<string, string> items, string name, string value) =>
        items.TryGetValue(name, out var v) ? v : throw Bad(value, $"no '{name}' item");

    private static long Number(Dictionary<string, string> items, string name, string value) =>
        long.TryParse(Text(items, name, value), NumberStyles.None, CultureInfo.InvariantCulture, out long n)
            ? n
            : throw Bad(value, $"'{name}' is not a number");

    private static SanpoolException Bad(string value, string why) =>
        new(StorageErrors.MetadataInvalid, $"PV mapping '{value}': {why}");
}
