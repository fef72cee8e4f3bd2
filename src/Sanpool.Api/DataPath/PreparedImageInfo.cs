using System.Text.Json.Nodes;

namespace Sanpool.Api.DataPath;

/// <summary>A prepared image: the drive qemu opens (<c>json:</c> spec), its blockdev nodes, the NBD socket, and each volume served.</summary>
public sealed record PreparedImageInfo
{
    public required Guid Domain { get; init; }

    public required Guid Image { get; init; }

    public required string Drive { get; init; }

    public IReadOnlyList<JsonObject> Blockdevs { get; init; } = [];

    public string? NbdSocket { get; init; }

    public IReadOnlyList<PreparedVolumeInfo> Volumes { get; init; } = [];
}
