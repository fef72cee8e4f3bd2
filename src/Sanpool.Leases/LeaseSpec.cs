using System.Globalization;
using Sanpool.Core;
using Sanpool.Leases.OnDisk;

namespace Sanpool.Leases;

/// <summary>
/// sanlock's lease arguments: <c>-s LOCKSPACE:HOST_ID:PATH:OFFSET</c> and
/// <c>-r LOCKSPACE:RESOURCE:PATH:OFFSET[:LVER]</c>. A colon inside the path is written "\:".
/// OFFSET is bytes, or a number with an M suffix for MiB.
/// </summary>
public sealed record LeaseSpec(string Lockspace, string Second, string Path, long Offset)
{
    /// <summary>The host id of a -s spec (0 where a spec only names the lockspace, as in init).</summary>
    public int HostId => int.Parse(Second, CultureInfo.InvariantCulture);

    /// <summary>The resource name of a -r spec.</summary>
    public string Resource => Second;

    public static LeaseSpec ParseLockspace(string text)
    {
        var parts = Split(text, "-s", "LOCKSPACE:HOST_ID:PATH:OFFSET");
        LeaseNames.Validate(parts[0], "lockspace");
        if (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int id) || id > 2000)
        {
            throw CommonErrors.Invalid($"-s {text}: host id '{parts[1]}' is not a number from 0 to 2000");
        }

        return new LeaseSpec(parts[0], parts[1], parts[2], ParseOffset(parts[3], text));
    }

    public static LeaseSpec ParseResource(string text)
    {
        var parts = Split(text, "-r", "LOCKSPACE:RESOURCE:PATH:OFFSET");
        LeaseNames.Validate(parts[0], "lockspace");
        LeaseNames.Validate(parts[1], "resource");
        return new LeaseSpec(parts[0], parts[1], parts[2], ParseOffset(parts[3], text));
    }

    public static long ParseOffset(string text, string spec)
    {
        bool mib = text.EndsWith('M') || text.EndsWith('m');
        var digits = mib ? text[..^1] : text;
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value < 0)
        {
            throw CommonErrors.Invalid($"{spec}: offset '{text}' is not a number of bytes (or MiB with an M suffix)");
        }

        return mib ? checked(value * 1024 * 1024) : value;
    }

    private static string[] Split(string text, string flag, string shape)
    {
        var parts = new List<string>();
        var current = new System.Text.StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 1 < text.Length)
            {
                current.Append(text[++i]);
            }
            else if (text[i] == ':')
            {
                parts.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(text[i]);
            }
        }

        parts.Add(current.ToString());
        if (parts.Count is < 4 or > 5 || parts.Take(4).Any(string.IsNullOrEmpty))
        {
            throw CommonErrors.Invalid($"{flag} '{text}' is not {shape}");
        }

        return [.. parts.Take(4)];
    }

    public override string ToString() => $"{Lockspace}:{Second}:{Path.Replace(":", "\\:", StringComparison.Ordinal)}:{Offset}";
}
