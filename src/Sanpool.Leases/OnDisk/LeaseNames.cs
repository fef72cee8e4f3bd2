using System.Text;
using Sanpool.Core;

namespace Sanpool.Leases.OnDisk;

/// <summary>
/// Lockspace, resource and host names: at most 48 bytes, NUL-padded on disk, with no
/// terminator when all 48 bytes are used (sanlock's NAME_ID_SIZE).
/// </summary>
public static class LeaseNames
{
    public const int Size = 48;

    public static string Read(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }

    public static void Write(Span<byte> field, string name)
    {
        field[..Size].Clear();
        Encoding.UTF8.GetBytes(name, field);
    }

    /// <summary>Checks a name given by a user or a peer: non-empty, at most 48 bytes, no ':' or NUL.</summary>
    public static string Validate(string name, string what)
    {
        if (string.IsNullOrEmpty(name))
        {
            throw CommonErrors.Invalid($"{what} name is empty");
        }

        if (Encoding.UTF8.GetByteCount(name) > Size)
        {
            throw CommonErrors.Invalid($"{what} name '{name}' is longer than {Size} bytes");
        }

        if (name.Contains(':', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw CommonErrors.Invalid($"{what} name '{name}' contains ':' or NUL");
        }

        return name;
    }
}
