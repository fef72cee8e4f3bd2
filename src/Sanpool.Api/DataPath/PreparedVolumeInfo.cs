using Sanpool.Storage.Metadata;

namespace Sanpool.Api.DataPath;

/// <summary>One volume of a prepared chain: how it is served (an LV export by name, or a file), and its sizes.</summary>
public sealed record PreparedVolumeInfo
{
    public required Guid Volume { get; init; }

    public VolumeFormat Format { get; init; }

    public bool Writable { get; init; }

    public bool Thin { get; init; }

    public string? Export { get; init; }

    public string? File { get; init; }

    public long? LvSize { get; init; }

    public long? ExportSize { get; init; }
}
