using System.Globalization;
using System.Text;

namespace Sanpool.DataPath;

/// <summary>
/// One line of /proc/self/mountinfo (proc(5)): "36 35 98:0 /root /mnt opts [optional...] - fstype source superopts".
/// The optional fields vary in number, so the file system type is found after the "-"
/// separator. Paths escape space, tab, newline and backslash as \ooo octal.
/// </summary>
internal readonly record struct MountInfoEntry(int MountId, string MountPoint, string FileSystemType, string Source)
{
    private const int MountIdField = 0;
    private const int MountPointField = 4;
    private const int FirstOptionalField = 6;

    /// <summary>Every well-formed line; a malformed one (none exist in practice) is skipped.</summary>
    public static List<MountInfoEntry> Parse(string text)
    {
        var entries = new List<MountInfoEntry>();
        foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] fields = line.Split(' ');
            int separator = fields.Length > FirstOptionalField ? Array.IndexOf(fields, "-", FirstOptionalField) : -1;
            if (separator < 0 || separator + 2 >= fields.Length
                || !int.TryParse(fields[MountIdField], NumberStyles.None, CultureInfo.InvariantCulture, out int id))
            {
                continue;
            }

            entries.Add(new MountInfoEntry(id, Unescape(fields[MountPointField]), Unescape(fields[separator + 1]), Unescape(fields[separator + 2])));
        }

        return entries;
    }

    /// <summary>Decodes the kernel's \ooo escapes (octal byte values, the path being UTF-8 bytes).</summary>
    public static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }

        var bytes = new List<byte>(field.Length);
        byte[] utf8 = Encoding.UTF8.GetBytes(field);
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == '\\' && i + 3 < utf8.Length && IsOctal(utf8[i + 1]) && IsOctal(utf8[i + 2]) && IsOctal(utf8[i + 3]))
            {
                bytes.Add((byte)(((utf8[i + 1] - '0') << 6) | ((utf8[i + 2] - '0') << 3) | (utf8[i + 3] - '0')));
                i += 3;
            }
            else
            {
                bytes.Add(utf8[i]);
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    private static bool IsOctal(byte b) => b is >= (byte)'0' and <= (byte)'7';
}
