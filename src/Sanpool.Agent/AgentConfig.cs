using System.Text.Json;
using System.Text.Json.Serialization;
using Sanpool.Core;
using Sanpool.DataPath;

namespace Sanpool.Agent;

/// <summary>
/// One host's agent configuration, read from the JSON file given to <c>sanpool agent run --config</c>:
/// <code>
/// {
///   "host_id": 1,                      this host's id in the pool's lockspaces (1-2000)
///   "host_name": "host1",              defaults to the machine name
///   "pool": "&lt;uuid&gt;", "master": "&lt;uuid&gt;",  the pool and its master domain
///   "master_version": 1,               optional: refuse a master at another MASTER_VERSION
///   "devices": ["/dev/loop0"],         block domains: the LUNs LVM may look at
///   "paths": ["/srv/sd"],              file domains: the mount points holding them
///   "run_dir": "/run/sanpool/host1",   this host's own: writer locks, FUSE mounts
///   "socket": "/run/sanpool/host1/agent.sock",
///   "tcp": "127.0.0.1:7410", "token": "...",   optional TCP API, with a bearer token
///   "spm_priority": 5,                 0-10, higher contends first; -1: never SPM
///   "election": true,                  contend by itself when no SPM is alive; false: the engine
///                                      picks the SPM (spm.start), and this host contends only
///   "manager_grace_seconds": 120,      after this long without a call from the engine (it is down)
///   "thin": { "mode": "predictive" }   optional: how thin volumes are extended (<see cref="ThinConfig"/>)
///   "data_path": "auto"                optional: how VMs' volumes are reached: "auto" (activated LVs where
///                                      the host has device-mapper), "segments" or "activated"
/// }
/// </code>
/// </summary>
public sealed record AgentConfig
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    public int HostId { get; init; }

    public string HostName { get; init; } = Environment.MachineName;

    public Guid Pool { get; init; }

    public Guid Master { get; init; }

    public int? MasterVersion { get; init; }

    public IReadOnlyList<string> Devices { get; init; } = [];

    public IReadOnlyList<string> Paths { get; init; } = [];

    public string RunDir { get; init; } = "";

    public string Socket { get; init; } = "";

    public string? Tcp { get; init; }

    public string? Token { get; init; }

    public int SpmPriority { get; init; } = 5;

    public bool Election { get; init; } = true;

    /// <summary>With <see cref="Election"/> off: how long the manager may be silent before this host elects by itself (<see cref="Sanpool.Pool.Spm.ManagerContact"/>).</summary>
    public int ManagerGraceSeconds { get; init; } = 120;

    public ThinConfig Thin { get; init; } = new();

    /// <summary>"auto", "segments" or "activated" (<see cref="LvDataPathMode"/>).</summary>
    public string DataPath { get; init; } = "auto";

    /// <summary><see cref="DataPath"/> as the mode it names (checked when the config is loaded).</summary>
    [JsonIgnore]
    public LvDataPathMode DataPathMode =>
        Enum.TryParse<LvDataPathMode>(DataPath, ignoreCase: true, out var mode) && Enum.IsDefined(mode) && !int.TryParse(DataPath, out _)
            ? mode
            : throw CommonErrors.Invalid($"data_path \"{DataPath}\" is not auto, segments or activated");

    public static async Task<AgentConfig> LoadAsync(string path, CancellationToken cancellationToken)
    {
        AgentConfig? config;
        try
        {
            await using var stream = File.OpenRead(path);
            config = await JsonSerializer.DeserializeAsync<AgentConfig>(stream, Options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            throw CommonErrors.Invalid($"agent config {path}: {e.Message}");
        }

        return (config ?? throw CommonErrors.Invalid($"agent config {path} is empty")).Validated(path);
    }

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    private AgentConfig Validated(string path)
    {
        string? problem =
            HostId is < 1 or > 2000 ? $"host_id {HostId} is not 1-2000" :
            Pool == Guid.Empty ? "pool (a UUID) is required" :
            Master == Guid.Empty ? "master (a UUID) is required" :
            Devices.Count == 0 && Paths.Count == 0 ? "give devices (block domains) or paths (file domains)" :
            string.IsNullOrEmpty(RunDir) ? "run_dir is required" :
            string.IsNullOrEmpty(Socket) ? "socket is required" :
            Tcp is not null && string.IsNullOrEmpty(Token) ? "a tcp endpoint needs a token" :
            SpmPriority is < -1 or > 10 ? $"spm_priority {SpmPriority} is not -1 (never) or 0-10" :
            ManagerGraceSeconds is < 1 or > 86400 ? $"manager_grace_seconds {ManagerGraceSeconds} is not 1-86400" :
            null;
        if (problem is not null)
        {
            throw CommonErrors.Invalid($"agent config {path}: {problem}");
        }

        try
        {
            Thin.ToPolicyOptions();
        }
        catch (SanpoolException e)
        {
            throw CommonErrors.Invalid($"agent config {path}: thin: {e.Message}");
        }

        try
        {
            DeviceMapper.Resolve(DataPathMode, DeviceMapper.IsAvailable);
        }
        catch (SanpoolException e)
        {
            throw new SanpoolException(e.Code, $"agent config {path}: {e.Message}");
        }

        return this;
    }
}
