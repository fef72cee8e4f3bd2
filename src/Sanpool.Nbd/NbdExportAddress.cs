using System.Text.Json.Nodes;

namespace Sanpool.Nbd;

/// <summary>
/// Where a client finds an export: the server's unix socket and the export's name, written the
/// ways qemu takes them — an <c>nbd+unix://</c> URI for qemu-img and qemu-io, or the nbd
/// block-driver node of a <c>json:</c> / <c>-blockdev</c> tree (the "file" under a format node).
/// </summary>
public sealed record NbdExportAddress(string SocketPath, string Export)
{
    /// <summary><c>nbd+unix:///EXPORT?socket=PATH</c> (the export name percent-encoded).</summary>
    public string Uri => $"nbd+unix:///{System.Uri.EscapeDataString(Export)}?socket={SocketPath}";

    /// <summary><c>{"driver":"nbd","server":{"type":"unix","path":PATH},"export":NAME}</c>.</summary>
    public JsonObject ToBlockdev() => new()
    {
        ["driver"] = "nbd",
        ["server"] = new JsonObject { ["type"] = "unix", ["path"] = SocketPath },
        ["export"] = Export,
    };

    /// <summary>A format node (raw, qcow2) over this export, as qemu's <c>json:</c> pseudo-protocol takes it.</summary>
    public string ToJsonSpec(string format) => "json:" + new JsonObject { ["driver"] = format, ["file"] = ToBlockdev() }.ToJsonString();
}
