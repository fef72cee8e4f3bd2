using System.Text.Json;
using System.Text.Json.Serialization;

namespace Sanpool.Pool.Monitor;

/// <summary>
/// One host's report, written by that host into its own slot (host id - 1) of the master
/// area's host-report area every monitor cycle: how it sees each domain of the pool, its SPM
/// state, and where its API listens (what a forwarded verb is sent to). Other hosts read it
/// to decide who should be SPM. <see cref="Sequence"/> grows with every write; a reader that
/// sees it stop growing treats the report as stale, whatever the clocks say.
/// </summary>
public sealed record HostReport
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public required int HostId { get; init; }

    public string HostName { get; init; } = "";

    public long Sequence { get; init; }

    /// <summary>Unix seconds on the reporting host's clock (for people; freshness uses <see cref="Sequence"/>).</summary>
    public long Time { get; init; }

    /// <summary>SPM, Contend or Free.</summary>
    public string Spm { get; init; } = "Free";

    /// <summary>Whether every Active domain of the pool was readable at the last check.</summary>
    public bool SeesAll { get; init; }

    public IReadOnlyList<DomainStatus> Domains { get; init; } = [];

    /// <summary>The host's API: its unix socket, and its TCP endpoint if it has one.</summary>
    public string? Socket { get; init; }

    public string? Tcp { get; init; }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    public static HostReport FromJson(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<HostReport>(json, Options) ?? throw new InvalidDataException("host report is JSON null");
}
