using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sanpool.Core;

namespace Sanpool.Agent.Vm;

/// <summary>
/// One virtio disk of a VM: the qemu arguments that make it, and the names its events and
/// statistics use.
/// <list type="bullet">
/// <item><see cref="Id"/> is the drive id (the BlockBackend name for <c>-drive</c>, the device id
///   for <c>-blockdev</c>); BLOCK_IO_ERROR names it in <c>device</c> for <c>-drive</c>.</item>
/// <item><see cref="NodeName"/> is the top node (the format layer); BLOCK_IO_ERROR names it in
///   <c>node-name</c>, which is all it names for a <c>-blockdev</c> drive.</item>
/// <item><see cref="ThresholdNode"/> is the node whose size is the storage's (the protocol layer
///   under qcow2): its <c>wr_highest_offset</c> is the watermark and its write threshold fires
///   BLOCK_WRITE_THRESHOLD.</item>
/// </list>
/// A thin drive stops the VM on ENOSPC (<c>werror=enospc</c>) so that it can be extended and
/// resumed; any other write error and every read error go to the guest (<c>report</c>).
/// </summary>
public sealed record VmDrive
{
    private VmDrive(string id, IReadOnlyList<string> arguments, string nodeName, string? thresholdNode, bool thin, bool readOnly)
    {
        Id = id;
        Arguments = arguments;
        NodeName = nodeName;
        ThresholdNode = thresholdNode;
        Thin = thin;
        ReadOnly = readOnly;
    }

    public string Id { get; }

    /// <summary>The qemu arguments, e.g. <c>["-drive", "file=...,if=none,id=vda", "-device", "virtio-blk-pci,drive=vda,..."]</c>.</summary>
    public IReadOnlyList<string> Arguments { get; }

    public string NodeName { get; }

    /// <summary>The protocol node under the format node, or null if the spec names none.</summary>
    public string? ThresholdNode { get; }

    public bool Thin { get; }

    public bool ReadOnly { get; }

    /// <summary>
    /// A <c>-drive</c> (with its virtio device) on a file, a block device, or a <c>json:{...}</c> pseudo-filename (for
    /// example the block-device tree <c>sanpool image prepare</c> prints, pointing at NBD exports).
    /// Commas in the file name are doubled, as qemu's option syntax wants, so any JSON passes.
    /// For a plain file the nodes are named <c>{id}-fmt</c> and <c>{id}-proto</c>; a json: tree
    /// keeps its own names: its top <c>node-name</c> and that of its <c>file</c> child.
    /// </summary>
    /// <param name="format">qcow2 or raw; null when a json: tree names its own driver.</param>
    /// <param name="extraOptions">More -drive options (already in qemu syntax), e.g. "cache=none,aio=native".</param>
    public static VmDrive FromFile(string id, string file, string? format, bool thin, bool readOnly = false, string? extraOptions = "cache=none")
    {
        CheckName(id, nameof(id));
        var options = new StringBuilder();
        options.Append("file=").Append(EscapeOption(file));
        if (format is not null)
        {
            options.Append(",format=").Append(format);
        }

        string nodeName, thresholdNode;
        if (file.StartsWith("json:", StringComparison.Ordinal))
        {
            var tree = ParseTree(file["json:".Length..], id);
            nodeName = tree["node-name"]?.GetValue<string>()
                       ?? throw new SanpoolException(VmErrors.VmBadDrive, $"drive {id}: the json: tree has no top-level node-name to match its events by");
            thresholdNode = (tree["file"] as JsonObject)?["node-name"]?.GetValue<string>() ?? nodeName;
        }
        else
        {
            if (format is null)
            {
                throw new SanpoolException(VmErrors.VmBadDrive, $"drive {id}: a plain file needs a format (qemu's probing would guess)");
            }

            nodeName = $"{id}-fmt";
            thresholdNode = $"{id}-proto";
            options.Append(",node-name=").Append(nodeName).Append(",file.node-name=").Append(thresholdNode);
        }

        // if=none and an explicit device: qemu creates if=virtio devices after every -device,
        // so mixing the two forms would reorder the disks in the guest (vda would not be first).
        options.Append(",if=none,id=").Append(id);
        if (readOnly)
        {
            options.Append(",readonly=on");
        }

        if (!string.IsNullOrEmpty(extraOptions))
        {
            options.Append(',').Append(extraOptions);
        }

        return new VmDrive(id, ["-drive", options.ToString(), "-device", Device(id, id, thin)], nodeName, thresholdNode, thin, readOnly);
    }

    /// <summary>
    /// A <c>-blockdev</c> node tree given as JSON (qemu's own syntax for it) and a virtio-blk
    /// device on its top node. The tree must name its top node (<c>node-name</c>); its
    /// <c>file</c> child's node-name, if any, is the threshold node.
    /// </summary>
    public static VmDrive FromBlockdev(string id, string blockdevJson, bool thin) => FromBlockdevs(id, [ParseTree(blockdevJson, id)], thin);

    /// <summary>
    /// Several <c>-blockdev</c> nodes that refer to each other by node name, bottom first (a
    /// chain as <c>DriveSpec.Blockdevs</c> gives it), and a virtio-blk device on the last, the
    /// top. The top's <c>file</c> (a node name, or a nested node with one) is the threshold node.
    /// </summary>
    public static VmDrive FromBlockdevs(string id, IReadOnlyList<JsonObject> nodes, bool thin)
    {
        CheckName(id, nameof(id));
        ArgumentNullException.ThrowIfNull(nodes);
        if (nodes.Count == 0)
        {
            throw new SanpoolException(VmErrors.VmBadDrive, $"drive {id}: no -blockdev nodes");
        }

        var top = nodes[^1];
        string nodeName = top["node-name"]?.GetValue<string>()
                          ?? throw new SanpoolException(VmErrors.VmBadDrive, $"drive {id}: a -blockdev tree needs a top-level node-name");
        string thresholdNode = top["file"] switch
        {
            JsonObject file => file["node-name"]?.GetValue<string>() ?? nodeName,
            JsonValue reference when reference.TryGetValue(out string? name) => name,
            _ => nodeName,
        };
        bool readOnly = top["read-only"]?.GetValue<bool>() ?? false;
        // Compact JSON on one argument each: qemu parses -blockdev values starting with '{' as JSON.
        var arguments = nodes.SelectMany(n => new[] { "-blockdev", n.ToJsonString() }).Concat(["-device", Device(id, nodeName, thin)]).ToList();
        return new VmDrive(id, arguments, nodeName, thresholdNode, thin, readOnly);
    }

    /// <summary>A value inside a qemu option string: commas are doubled (<c>a,b</c> becomes <c>a,,b</c>).</summary>
    public static string EscapeOption(string value) => value.Replace(",", ",,", StringComparison.Ordinal);

    /// <summary>The virtio disk on <paramref name="drive"/> (a -drive id or a node name), with the error policy.</summary>
    private static string Device(string id, string drive, bool thin) =>
        $"virtio-blk-pci,drive={drive},id={id},werror={(thin ? "enospc" : "report")},rerror=report";

    private static JsonObject ParseTree(string json, string id)
    {
        try
        {
            return JsonNode.Parse(json) as JsonObject
                   ?? throw new SanpoolException(VmErrors.VmBadDrive, $"drive {id}: the block-device tree is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new SanpoolException(VmErrors.VmBadDrive, $"drive {id}: the block-device tree is not JSON: {e.Message}", innerException: e);
        }
    }

    /// <summary>qemu ids and node names: a letter, then letters, digits, '-', '.', '_'; at most 31 characters with our suffixes.</summary>
    private static void CheckName(string id, string what)
    {
        bool ok = id.Length is > 0 and <= 26 && char.IsAsciiLetter(id[0])
                  && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_');
        if (!ok)
        {
            throw new SanpoolException(VmErrors.VmBadDrive, $"{what} '{id}' is not a qemu id (a letter, then letters, digits, '-', '.', '_'; at most 26)");
        }
    }
}
