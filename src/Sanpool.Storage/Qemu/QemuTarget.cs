using System.Globalization;
using System.Text.Json.Nodes;

namespace Sanpool.Storage.Qemu;

/// <summary>
/// What qemu-img is pointed at: a plain path (file, or block device such as a per-volume loop
/// device), or any qemu filename string: an NBD URL (<c>nbd+unix:///vol?socket=...</c>) or a
/// <c>json:{...}</c> block-node spec. On block domains without device-mapper, a volume is an
/// LV's extent range on the PV, reached as a <see cref="Slice"/>:
/// <c>json:{"driver":"raw","offset":O,"size":S,"file":{"driver":"host_device","filename":"/dev/loopN"}}</c>.
/// <para>
/// What qemu 7.2 does with such specs (observed):
/// <list type="bullet">
/// <item>A slice's top node is the "raw" format driver (raw is what carries offset/size), so
/// "-f qcow2" on it fails ("Image is not in qcow2 format"): a qcow2 volume in a slice must be
/// opened as <c>{"driver":"qcow2","file":&lt;slice&gt;}</c>. <see cref="Argument"/> layers it.</item>
/// <item><c>qemu-img create</c> cannot target <c>json:</c> ("Unknown protocol 'json'");
/// <see cref="QemuImg.CreateAsync"/> builds the image in a temporary file and copies it in.</item>
/// <item>Slices of one PV opened together (a chain) collide on qemu's own OFD image locks of
/// the one device ("Failed to get shared 'resize' lock"), so slices say <c>"locking":"off"</c>;
/// mutual exclusion on shared storage is the leases' job anyway.</item>
/// <item>A relative backing name in a slice resolves against the PV's directory
/// (<c>/dev/&lt;uuid&gt;</c>), so <c>--backing-chain</c> and anything that opens the backing
/// fail unless the spec carries <c>"backing"</c> explicitly.</item>
/// </list>
/// </para>
/// </summary>
public sealed class QemuTarget
{
    private readonly JsonObject? _slice;

    private QemuTarget(string filename, bool isPath, JsonObject? slice)
    {
        Filename = filename;
        IsPath = isPath;
        _slice = slice;
    }

    /// <summary>The filename as given or built (without any format layering).</summary>
    public string Filename { get; }

    /// <summary>A plain path on the local file system (relative backing names resolve against its directory).</summary>
    public bool IsPath { get; }

    /// <summary>A <c>json:</c> pseudo-protocol spec.</summary>
    public bool IsJson => Filename.StartsWith("json:", StringComparison.Ordinal);

    /// <summary>The directory qemu resolves relative backing names against, for plain paths.</summary>
    public string? Directory => IsPath ? System.IO.Path.GetDirectoryName(Filename) : null;

    /// <summary>
    /// A file or device path. Made absolute: qemu reads "name:rest" in a relative path as a
    /// protocol prefix, an absolute path never.
    /// </summary>
    public static QemuTarget Path(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return new QemuTarget(System.IO.Path.GetFullPath(path), isPath: true, slice: null);
    }

    /// <summary>Any qemu filename string, passed through unchanged.</summary>
    public static QemuTarget FromQemuFilename(string filename)
    {
        ArgumentException.ThrowIfNullOrEmpty(filename);
        return new QemuTarget(filename, isPath: false, slice: null);
    }

    /// <summary>A <c>json:</c> spec of <paramref name="node"/>.</summary>
    public static QemuTarget Json(JsonObject node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new QemuTarget("json:" + node.ToJsonString(), isPath: false, slice: null);
    }

    /// <summary>
    /// <paramref name="size"/> bytes at <paramref name="offset"/> of a block device (paths under
    /// /dev use the host_device protocol) or of a file, with qemu's image locking off.
    /// </summary>
    public static QemuTarget Slice(string device, long offset, long size)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var node = SliceSpec(device, offset, size);
        return new QemuTarget("json:" + node.ToJsonString(), isPath: false, slice: node);
    }

    /// <summary>An export of an NBD server on a unix socket.</summary>
    public static QemuTarget Nbd(string socketPath, string exportName = "")
    {
        ArgumentException.ThrowIfNullOrEmpty(socketPath);
        string export = Uri.EscapeDataString(exportName);
        return new QemuTarget(
            string.Create(CultureInfo.InvariantCulture, $"nbd+unix:///{export}?socket={socketPath}"), isPath: false, slice: null);
    }

    /// <summary>
    /// The filename argument for opening this target as <paramref name="format"/>: a slice
    /// holding a qcow2 image gets the qcow2 node layered over it; <paramref name="withoutBacking"/>
    /// then also stops qemu from opening the (unresolvable) backing file.
    /// </summary>
    public string Argument(QemuImageFormat? format, bool withoutBacking = false)
    {
        if (_slice is null || format != QemuImageFormat.Qcow2)
        {
            return Filename;
        }

        var node = new JsonObject { ["driver"] = "qcow2", ["file"] = _slice.DeepClone() };
        if (withoutBacking)
        {
            node["backing"] = null;
        }

        return "json:" + node.ToJsonString();
    }

    public override string ToString() => Filename;

    /// <summary>
    /// The raw-with-offset node of a slice, to compose chains by hand, e.g.
    /// <c>{"driver":"qcow2","file":SliceSpec(top),"backing":SliceSpec(base)}</c> for a qcow2
    /// volume over a raw one. (qemu 7.2 cannot take a qcow2 node over a slice as "backing":
    /// it then also applies the header's backing name and fails with "Can't specify 'file' and
    /// 'filename' options at the same time".)
    /// </summary>
    public static JsonObject SliceSpec(string device, long offset, long size) => new()
    {
        ["driver"] = "raw",
        ["offset"] = offset,
        ["size"] = size,
        ["file"] = new JsonObject
        {
            ["driver"] = device.StartsWith("/dev/", StringComparison.Ordinal) ? "host_device" : "file",
            ["filename"] = device,
            ["locking"] = "off",
        },
    };
}
