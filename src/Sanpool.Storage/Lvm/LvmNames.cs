using Sanpool.Core;

namespace Sanpool.Storage.Lvm;

/// <summary>
/// Checks names, tags and device paths before they reach lvm's argv or its --config string.
/// The rules are LVM's own, checked early so that a bad name is INVALID_ARGUMENT naming the
/// value instead of an lvm usage error, and so no value can be read as an option or break out
/// of the filter's quoting.
/// </summary>
public static class LvmNames
{
    /// <summary>LVM's limit on VG and LV names.</summary>
    public const int MaxNameLength = 127;

    /// <summary>A VG or LV name: [A-Za-z0-9+_.-], not starting with '-', not "." or "..".</summary>
    public static string CheckName(string name, string what)
    {
        ArgumentNullException.ThrowIfNull(name);
        bool ok = name.Length is > 0 and <= MaxNameLength
                  && name[0] != '-'
                  && name is not ("." or "..")
                  && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '_' or '.' or '-');
        return ok ? name : throw CommonErrors.Invalid($"invalid {what} name '{name}': LVM allows 1-{MaxNameLength} of [A-Za-z0-9+_.-], not starting with '-'");
    }

    /// <summary>A tag: one or more of [A-Za-z0-9_+.-/=!:&amp;#] (so never a comma, LVM's list separator).</summary>
    public static string CheckTag(string tag)
    {
        ArgumentNullException.ThrowIfNull(tag);
        bool ok = tag.Length > 0
                  && tag.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '.' or '-' or '/' or '=' or '!' or ':' or '&' or '#');
        return ok ? tag : throw CommonErrors.Invalid($"invalid LVM tag '{tag}': allowed are [A-Za-z0-9_+.-/=!:&#]");
    }

    /// <summary>
    /// A device path for the filter and the command line: absolute, printable ASCII, and free of
    /// the characters that would end the filter's quoting or its regex ('"', '|', '\', whitespace).
    /// </summary>
    public static string CheckDevice(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        bool ok = path.Length > 1
                  && path[0] == '/'
                  && path.All(c => c is > ' ' and < '\u007f' and not ('"' or '|' or '\\' or '\''));
        return ok ? path : throw CommonErrors.Invalid($"invalid device path '{path}': need an absolute path without quotes, '|', '\\' or whitespace");
    }
}
