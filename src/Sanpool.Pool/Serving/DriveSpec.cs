using System.Text.Json;
using System.Text.Json.Nodes;
using Sanpool.Nbd;
using Sanpool.Storage.Metadata;

namespace Sanpool.Pool.Serving;

/// <summary>
/// The qemu block-device tree of a prepared chain, as one <c>json:</c> filename that
/// <c>qemu-img</c>, <c>qemu-io</c> and <c>qemu-system-x86_64 -drive file=...</c> all accept:
/// <code>
/// {"driver":"qcow2","node-name":"f&lt;leaf&gt;",                              leaf (format node)
///  "file":{"driver":"nbd","server":{"type":"unix","path":SOCK},"export":"SD/LEAF","node-name":"p&lt;leaf&gt;"},
///  "backing":{"driver":"qcow2","file":{... "export":"SD/MID"},                  its parent
///             "backing":{"driver":"raw","file":{... "export":"SD/BASE"}}}}      the base
/// </code>
/// Every link is given explicitly, so qemu never resolves the backing names in the qcow2
/// headers (bare UUIDs) itself; a qcow2 base gets <c>"backing": null</c> for the same reason.
/// On a file domain the protocol nodes are <c>{"driver":"file","filename":PATH}</c>. On a block
/// domain only the top is an NBD node: qemu 7.2 refuses a backing link whose protocol node is
/// not named by a file (it would need a directory to resolve the header's relative name in, and
/// NBD nodes have none), so the read-only parents are given as files of the host's FUSE mount.
/// <para>
/// <see cref="Blockdevs"/> gives the same chain as separate <c>-blockdev</c> nodes, base first,
/// each link a node reference (as libvirt starts VMs): there qemu asks nothing of the headers'
/// names, so every volume, parents included, is reached over NBD. The agent starts its VMs so.
/// </para>
/// </summary>
public static class DriveSpec
{
    public const string Prefix = "json:";

    /// <summary>The tree for <paramref name="chain"/> (base first), as a JSON object.</summary>
    public static JsonObject Tree(IReadOnlyList<PreparedVolume> chain, string nbdSocket)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentOutOfRangeException.ThrowIfZero(chain.Count);
        JsonNode? below = null;
        for (int i = 0; i < chain.Count; i++)
        {
            var volume = chain[i];
            var file = Protocol(volume, nbdSocket, top: i == chain.Count - 1);
            file["node-name"] = ProtocolNode(volume.Volume);
            below = Format(volume, hasParent: i > 0, file, readOnly: null, below);
        }

        return (JsonObject)below!;
    }

    /// <summary>
    /// The format node's name of a volume: qemu's events and statistics (BLOCK_IO_ERROR,
    /// query-blockstats) name nodes, so every node is named after its volume (qemu allows 31
    /// characters, a letter first).
    /// </summary>
    public static string FormatNode(Guid volume) => ("f" + volume.ToString("N"))[..31];

    /// <summary>The protocol (NBD or file) node's name of a volume: where the watermark is seen.</summary>
    public static string ProtocolNode(Guid volume) => ("p" + volume.ToString("N"))[..31];

    /// <summary>
    /// The chain as <c>-blockdev</c> nodes, base first, two per volume: its protocol node (the
    /// NBD export, or the file on a file domain) and its format node, which names the protocol
    /// node as <c>file</c> and the format node below as <c>backing</c> (<c>null</c> under a
    /// qcow2 base). Parents are read-only. The last node is the top a device attaches to.
    /// </summary>
    public static IReadOnlyList<JsonObject> Blockdevs(IReadOnlyList<PreparedVolume> chain, string nbdSocket)
    {
        ArgumentNullException.ThrowIfNull(chain);
        ArgumentOutOfRangeException.ThrowIfZero(chain.Count);
        var nodes = new List<JsonObject>(2 * chain.Count);
        string? below = null;
        for (int i = 0; i < chain.Count; i++)
        {
            var volume = chain[i];
            bool readOnly = !volume.Writable;
            var file = Protocol(volume, nbdSocket, top: true);
            file["node-name"] = ProtocolNode(volume.Volume);
            file["read-only"] = readOnly;
            nodes.Add(file);
            nodes.Add(Format(volume, hasParent: i > 0, ProtocolNode(volume.Volume), readOnly, below));
            below = FormatNode(volume.Volume);
        }

        return nodes;
    }

    /// <summary>The <c>json:</c> filename of <paramref name="chain"/>.</summary>
    public static string Of(IReadOnlyList<PreparedVolume> chain, string nbdSocket) =>
        Prefix + Tree(chain, nbdSocket).ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    /// <summary>
    /// A volume's format node over <paramref name="file"/> (a nested node or a node name), with
    /// <paramref name="below"/> as its backing (a node, a node name, or null under a qcow2 base).
    /// </summary>
    private static JsonObject Format(PreparedVolume volume, bool hasParent, JsonNode file, bool? readOnly, JsonNode? below)
    {
        var node = new JsonObject
        {
            ["driver"] = volume.Format == VolumeFormat.COW ? "qcow2" : "raw",
            ["node-name"] = FormatNode(volume.Volume),
            ["file"] = file,
        };
        if (readOnly is { } ro)
        {
            node["read-only"] = ro;
        }

        if (volume.Format == VolumeFormat.COW)
        {
            node["backing"] = below;
        }
        else if (hasParent)
        {
            throw new ArgumentException($"volume {volume.Volume} is RAW but has a parent in the chain", nameof(hasParent));
        }

        return node;
    }

    /// <summary>The top is reached over NBD when it is exported; a parent by file name when it has one (see the class comment).</summary>
    private static JsonObject Protocol(PreparedVolume volume, string nbdSocket, bool top) => (top || volume.FilePath is null) && volume.Export is { } export
        ? new NbdExportAddress(nbdSocket, export.Name).ToBlockdev()
        : new JsonObject
        {
            ["driver"] = "file",
            ["filename"] = volume.FilePath ?? throw new ArgumentException($"volume {volume.Volume} has neither an export nor a file", nameof(volume)),
        };
}
