using Sanpool.Core;

namespace Sanpool.Storage.Qemu;

/// <summary>The names qemu uses for <see cref="QemuImageFormat"/> values (<c>-f</c>, <c>-F</c>, <c>-O</c>, JSON).</summary>
public static class QemuImageFormats
{
    public static string ToQemuName(this QemuImageFormat format) => format switch
    {
        QemuImageFormat.Raw => "raw",
        QemuImageFormat.Qcow2 => "qcow2",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not a qemu image format"),
    };

    /// <summary>Parses a qemu format name; anything but raw and qcow2 is INVALID_ARGUMENT.</summary>
    public static QemuImageFormat Parse(string name) => name switch
    {
        "raw" => QemuImageFormat.Raw,
        "qcow2" => QemuImageFormat.Qcow2,
        _ => throw CommonErrors.Invalid($"image format '{name}' is not raw or qcow2"),
    };
}
