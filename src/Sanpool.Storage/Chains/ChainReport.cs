using System.Globalization;
using System.Text;

namespace Sanpool.Storage.Chains;

/// <summary>
/// The text of <c>vdsm-tool dump-volume-chains</c>: a 13-column centred title field, base
/// volume first, one info line per volume, and for a broken image the error and the
/// unordered (parent &lt;- child) pairs.
/// </summary>
public static class ChainReport
{
    public static string RenderText(IReadOnlyList<ImageChain> images)
    {
        var sb = new StringBuilder();
        if (images.Count == 0)
        {
            sb.Append('\n');
            Line(sb, "(no images found)");
            sb.Append('\n');
            return sb.ToString();
        }

        sb.Append("\nImages volume chains (base volume first)\n");
        foreach (var img in images)
        {
            sb.Append('\n');
            Line(sb, img.Image, "image:");
            sb.Append('\n');
            if (img.Error is { } error)
            {
                sb.Append(Centre("")).Append("Error: ").Append(error.Describe()).Append('\n');
                sb.Append('\n');
                Line(sb, "Unordered volumes and children:");
                sb.Append('\n');
                foreach (var (parent, child) in img.Pairs)
                {
                    Line(sb, $"- {parent} <- {child}");
                    Line(sb, "  " + Info(img.Volumes[child]));
                    sb.Append('\n');
                }
            }
            else
            {
                foreach (var vol in img.Chain)
                {
                    Line(sb, "- " + vol);
                    Line(sb, "  " + Info(img.Volumes[vol]));
                    sb.Append('\n');
                }
            }
        }

        return sb.ToString();
    }

    private static string Info(VolumeInfo v) => string.Create(CultureInfo.InvariantCulture,
        $"status: {v.Status}, voltype: {v.VolType ?? "(missing)"}, format: {v.Format ?? "(missing)"}, legality: {v.Legality ?? "(missing)"}, " +
        $"type: {v.Type ?? "(missing)"}, capacity: {Num(v.Capacity)}, truesize: {Num(v.TrueSize)}");

    private static string Num(long? n) => n?.ToString(CultureInfo.InvariantCulture) ?? "(missing)";

    private static void Line(StringBuilder sb, string body, string title = "") => sb.Append(Centre(title)).Append(body).Append('\n');

    /// <summary>Python's '{:^13}': centred, the odd space on the right.</summary>
    private static string Centre(string title)
    {
        int pad = Math.Max(0, 13 - title.Length);
        return new string(' ', pad / 2) + title + new string(' ', pad - (pad / 2));
    }
}
