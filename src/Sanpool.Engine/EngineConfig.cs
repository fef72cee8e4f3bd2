using System.Text.Json.Serialization;

namespace Sanpool.Engine;

/// <summary>
/// The engine's configuration, read from the JSON file given to <c>sanpool engine run --config</c>
/// (<see cref="EngineConfigLoader"/>; a documented example is <c>engine.example.json</c> at the
/// repository's root):
/// <code>
/// {
///   "data_dir": "/var/lib/sanpool-engine",  required: the SQLite database, pki/ (CA, server certificate)
///   "listen": "https://127.0.0.1:8443",     or http://... with "insecure_http": true, or unix:/path
///   "insecure_http": false,                 allow plain http:// (tests only)
///   "database": { "provider": "sqlite" },   or { "provider": "postgres", "connection_string": "Host=...;Database=..." }
///   "tls": { "certificate": "cert.pem", "key": "key.pem" },  optional: serve this instead of the engine's own CA's
///   "admin_password": "...",                optional: the first admin's password (else one is generated and printed once)
///   "host_poll_seconds": 5,                 how often each host's agent is asked for its status
///   "non_operational_after_seconds": 120,   a host that cannot read a domain of its pool this long is NonOperational
///   "spm_start_timeout_seconds": 300,       how long one spm.start may take (the SDM lease can hold it up to host_dead)
///   "reconcile_interval_seconds": 600,      how often every active domain is compared with the database (0: never by itself)
///   "max_body_bytes": 1048576,              larger request bodies are refused (413)
///   "token_lifetime_seconds": 43200,        how long a bearer token from /api/sso/token lives
///   "vms": { "kernel": "/srv/vm/vmlinuz",   optional: what a started VM boots, paths on the hosts (absolute);
///            "initrd": "/srv/vm/initrd.gz", without it VMs are not started
///            "append": "console=ttyS0",     the kernel command line (default the agent's)
///            "memory_mib": 256 }            every guest's memory (default each VM's own)
/// }
/// </code>
/// Relative paths are taken from the config file's directory.
/// </summary>
public sealed record EngineConfig
{
    public const string DefaultListen = "https://127.0.0.1:8443";

    /// <summary>The SQLite file's name inside <see cref="DataDir"/>.</summary>
    public const string SqliteFileName = "engine.db";

    public string DataDir { get; init; } = "";

    public string Listen { get; init; } = DefaultListen;

    public bool InsecureHttp { get; init; }

    public EngineDatabaseConfig Database { get; init; } = new();

    public EngineTlsConfig? Tls { get; init; }

    public string? AdminPassword { get; init; }

    public int HostPollSeconds { get; init; } = 5;

    public int NonOperationalAfterSeconds { get; init; } = 120;

    /// <summary>How long the engine waits for one <c>spm.start</c> (<see cref="Hosts.SpmTimeouts"/>).</summary>
    public int SpmStartTimeoutSeconds { get; init; } = 300;

    /// <summary>How often <see cref="Reconciliation.ReconciliationLoop"/> reconciles every active domain; 0 turns it off.</summary>
    public int ReconcileIntervalSeconds { get; init; } = 600;

    public long MaxBodyBytes { get; init; } = 1024 * 1024;

    public int TokenLifetimeSeconds { get; init; } = 12 * 3600;

    /// <summary>What a VM the engine starts boots; null: VMs are not started (VMS_NOT_CONFIGURED).</summary>
    public EngineVmsConfig? Vms { get; init; }

    /// <summary><see cref="Listen"/>, parsed (the loader has checked it).</summary>
    [JsonIgnore]
    public EngineListenAddress ListenAddress =>
        EngineListenAddress.TryParse(Listen, out string? problem) ?? throw new InvalidOperationException(problem);

    /// <summary>data_dir/pki: the engine's CA and server certificate.</summary>
    [JsonIgnore]
    public string PkiDir => Path.Combine(DataDir, "pki");

    [JsonIgnore]
    public string SqlitePath => Path.Combine(DataDir, SqliteFileName);

    [JsonIgnore]
    public TimeSpan TokenLifetime => TimeSpan.FromSeconds(TokenLifetimeSeconds);

    /// <summary>The database as a log line: the SQLite file, or PostgreSQL's host and database (never its password).</summary>
    public string DescribeDatabase()
    {
        if (!Database.IsPostgres)
        {
            return $"sqlite {SqlitePath}";
        }

        var npgsql = new Npgsql.NpgsqlConnectionStringBuilder(Database.ConnectionString);
        return $"postgres host={npgsql.Host} port={npgsql.Port} database={npgsql.Database} user={npgsql.Username}";
    }
}
