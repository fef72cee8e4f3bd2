using System.Text.Json;
using System.Text.Json.Nodes;
using Sanpool.Core;

namespace Sanpool.Engine;

/// <summary>
/// Reads and checks an <see cref="EngineConfig"/>. Every refusal is one INVALID_ARGUMENT line
/// naming the file and the key: <c>engine config /etc/sanpool/engine.json: host_poll_seconds: 0
/// is not 1-3600</c>. Unknown keys are refused (a misspelt key would otherwise be a silent
/// default). Loading creates nothing: data_dir is made when the engine starts.
/// </summary>
public static class EngineConfigLoader
{
    private const int MaxPollSeconds = 3600;
    private const int MaxNonOperationalSeconds = 86_400;
    private const long MinBodyBytes = 1024;
    private const long MaxBodyBytes = 1L << 30;
    private const int MinPasswordLength = 8;
    private const int MaxAppend = 1024;

    /// <summary>The guest memory the agent's <c>vm.start</c> takes.</summary>
    public const int MinGuestMib = 64;

    public const int MaxGuestMib = 4096;

    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The keys the file may hold; the nested objects' keys after a dot.</summary>
    private static readonly HashSet<string> Keys =
    [
        "data_dir", "listen", "insecure_http", "database", "database.provider", "database.connection_string",
        "tls", "tls.certificate", "tls.key", "admin_password", "host_poll_seconds", "non_operational_after_seconds", "spm_start_timeout_seconds",
        "reconcile_interval_seconds",
        "max_body_bytes", "token_lifetime_seconds",
        "vms", "vms.kernel", "vms.initrd", "vms.append", "vms.memory_mib",
    ];

    public static async Task<EngineConfig> LoadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        string full = Path.GetFullPath(path);
        string text;
        try
        {
            text = await File.ReadAllTextAsync(full, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CommonErrors.Invalid($"engine config {full}: cannot read it: {e.Message}");
        }

        return Parse(text, full);
    }

    /// <summary>Parses and checks <paramref name="json"/>, the text of the file <paramref name="path"/> (named in errors; relative paths in it are taken from its directory).</summary>
    public static EngineConfig Parse(string json, string path)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(path);
        EngineConfig config;
        try
        {
            if (JsonNode.Parse(json, documentOptions: DocumentOptions) is not JsonObject root)
            {
                throw Bad(path, "the file is not a JSON object");
            }

            CheckKeys(root, "", path);
            config = root.Deserialize<EngineConfig>(Options) ?? throw Bad(path, "the file is empty");
        }
        catch (JsonException e)
        {
            string key = e.Path is { Length: > 2 } p ? p[2..] : "";
            throw Bad(path, key.Length > 0
                ? $"{key}: not a value of the right type"
                : $"not valid JSON: {e.Message}");
        }

        return Validate(Resolve(config, Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/"), path);
    }

    /// <summary>Checks a config built in code (tests, embedding); <paramref name="source"/> names it in errors.</summary>
    public static EngineConfig Validate(EngineConfig config, string source)
    {
        ArgumentNullException.ThrowIfNull(config);
        string? problem = Problem(config);
        return problem is null ? config : throw Bad(source, problem);
    }

    private static string? Problem(EngineConfig c)
    {
        string? listenProblem = "must be a string";
        var listen = c.Listen is null ? null : EngineListenAddress.TryParse(c.Listen, out listenProblem);
        return
            string.IsNullOrWhiteSpace(c.DataDir) ? "data_dir: required (the engine's database, CA and certificates live there)" :
            c.Database is null ? "database: must be an object" :
            listen is null ? $"listen: {listenProblem}" :
            listen.Scheme == "http" && !c.InsecureHttp ? $"listen: \"{c.Listen}\" is plain http; use https, or set \"insecure_http\": true (tests only)" :
            c.Tls is not null && !listen.IsHttps ? $"tls: given, but listen \"{c.Listen}\" is not https" :
            c.Tls is not null && string.IsNullOrEmpty(c.Tls.Certificate) ? "tls.certificate: required with tls (a PEM file)" :
            c.Tls is not null && string.IsNullOrEmpty(c.Tls.Key) ? "tls.key: required with tls (a PEM file)" :
            c.Tls is not null && !File.Exists(c.Tls.Certificate) ? $"tls.certificate: {c.Tls.Certificate} does not exist" :
            c.Tls is not null && !File.Exists(c.Tls.Key) ? $"tls.key: {c.Tls.Key} does not exist" :
            DatabaseProblem(c.Database) is { } database ? database :
            c.AdminPassword is { Length: < MinPasswordLength } ? $"admin_password: shorter than {MinPasswordLength} characters" :
            c.HostPollSeconds is < 1 or > MaxPollSeconds ? $"host_poll_seconds: {c.HostPollSeconds} is not 1-{MaxPollSeconds}" :
            c.NonOperationalAfterSeconds <= c.HostPollSeconds || c.NonOperationalAfterSeconds > MaxNonOperationalSeconds
                ? $"non_operational_after_seconds: {c.NonOperationalAfterSeconds} is not more than host_poll_seconds ({c.HostPollSeconds}) and at most {MaxNonOperationalSeconds}" :
            c.SpmStartTimeoutSeconds is < 10 or > 3600 ? $"spm_start_timeout_seconds: {c.SpmStartTimeoutSeconds} is not 10-3600" :
            c.ReconcileIntervalSeconds is < 0 or > 7 * 86_400 ? $"reconcile_interval_seconds: {c.ReconcileIntervalSeconds} is not 0 (off) or 1-{7 * 86_400}" :
            c.MaxBodyBytes is < MinBodyBytes or > MaxBodyBytes ? $"max_body_bytes: {c.MaxBodyBytes} is not {MinBodyBytes}-{MaxBodyBytes}" :
            c.TokenLifetimeSeconds is < 60 or > 30 * 86_400 ? $"token_lifetime_seconds: {c.TokenLifetimeSeconds} is not 60-{30 * 86_400}" :
            c.Vms is { } vms ? VmsProblem(vms) :
            null;
    }

    /// <summary>The vms section: the files are on the hosts, so only their form is checked here (the agent checks they exist).</summary>
    private static string? VmsProblem(EngineVmsConfig vms) =>
        !IsHostPath(vms.Kernel) ? $"vms.kernel: \"{vms.Kernel}\" is not an absolute path (the kernel every host boots its VMs with)" :
        !IsHostPath(vms.Initrd) ? $"vms.initrd: \"{vms.Initrd}\" is not an absolute path (the initrd every host boots its VMs with)" :
        vms.Append is { } append && (append.Length > MaxAppend || append.Any(char.IsControl)) ? $"vms.append: at most {MaxAppend} characters on one line" :
        vms.MemoryMib is < MinGuestMib or > MaxGuestMib ? $"vms.memory_mib: {vms.MemoryMib} is not {MinGuestMib}-{MaxGuestMib}" :
        null;

    private static bool IsHostPath(string? path) =>
        !string.IsNullOrWhiteSpace(path) && path.StartsWith('/') && !path.Any(char.IsControl);

    private static string? DatabaseProblem(EngineDatabaseConfig database)
    {
        if (database.Provider is not (EngineDatabaseConfig.Sqlite or EngineDatabaseConfig.Postgres))
        {
            return $"database.provider: \"{database.Provider}\" is not sqlite or postgres";
        }

        if (!database.IsPostgres)
        {
            return database.ConnectionString is null ? null
                : "database.connection_string: only for postgres; sqlite keeps its file in data_dir";
        }

        if (string.IsNullOrWhiteSpace(database.ConnectionString))
        {
            return "database.connection_string: required for postgres (Host=...;Database=...;Username=...)";
        }

        try
        {
            _ = new Npgsql.NpgsqlConnectionStringBuilder(database.ConnectionString);
            return null;
        }
        catch (ArgumentException e)
        {
            return $"database.connection_string: not a PostgreSQL connection string: {e.Message}";
        }
    }

    private static void CheckKeys(JsonObject node, string prefix, string path)
    {
        foreach (var (name, value) in node)
        {
            string key = prefix + name;
            if (!Keys.Contains(key))
            {
                throw Bad(path, $"{key}: not a key of the engine config (see engine.example.json)");
            }

            if (value is JsonObject inner)
            {
                CheckKeys(inner, key + ".", path);
            }
        }
    }

    private static EngineConfig Resolve(EngineConfig config, string baseDir)
    {
        string Full(string? p) => string.IsNullOrWhiteSpace(p) ? "" : Path.GetFullPath(p.Trim(), baseDir);
        return config with
        {
            DataDir = Full(config.DataDir),
            Tls = config.Tls is null ? null : new EngineTlsConfig { Certificate = Full(config.Tls.Certificate), Key = Full(config.Tls.Key) },
        };
    }

    private static SanpoolException Bad(string source, string problem) => CommonErrors.Invalid($"engine config {source}: {problem}");
}
