using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Sanpool.Storage.Metadata;

/// <summary>
/// Domain metadata lines as LVM VG tags, as VDSM stores them on block domains: each line
/// becomes the tag <c>MDT_</c> + encode(line), where encode replaces every character outside
/// <c>[a-zA-Z0-9_+.\-/=!:#]</c> (what LVM allows in a tag) with <c>&amp;&lt;decimal code&gt;&amp;</c>.
/// </summary>
public static partial class VgTagCodec
{
    public const string MetadataPrefix = "MDT_";

    public static string Encode(string line)
    {
        var sb = new StringBuilder(line.Length);
        foreach (var c in line)
        {
            if (IsAllowed(c))
            {
                sb.Append(c);
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"&{(int)c}&");
            }
        }

        return sb.ToString();
    }

    public static string Decode(string tag) =>
        Escape().Replace(tag, m => ((char)int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToString());

    /// <summary>The VG tags for a domain's metadata.</summary>
    public static IReadOnlyList<string> ToTags(DomainMetadata metadata) =>
        [.. metadata.ToLines().Select(l => MetadataPrefix + Encode(l))];

    /// <summary>The metadata lines found among a VG's tags (other tags are ignored).</summary>
    public static IEnumerable<string> FromTags(IEnumerable<string> tags) =>
        tags.Where(t => t.StartsWith(MetadataPrefix, StringComparison.Ordinal)).Select(t => Decode(t[MetadataPrefix.Length..]));

    private static bool IsAllowed(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '.' or '-' or '/' or '=' or '!' or ':' or '#';

    [GeneratedRegex("&(\\d+)&")]
    private static partial Regex Escape();
}
