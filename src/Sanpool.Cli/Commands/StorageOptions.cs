using System.CommandLine;
using Microsoft.Extensions.Logging;
using Sanpool.DataPath;
using Sanpool.Storage.Qemu;
using Sanpool.Storage.Volumes;

namespace Sanpool.Cli.Commands;

/// <summary>
/// The options every storage verb shares: where domains are (<c>--path</c>, <c>--device</c>,
/// or SANPOOL_PATH / SANPOOL_DEVICES), who writes (<c>--host-id</c>), and output.
/// </summary>
internal sealed class StorageOptions
{
    /// <summary>The io_timeout from which joining the lockspace is told even without --direct: a wait of 2 x 3 = 6 s or more.</summary>
    private const int TellJoinFrom = 3;

    private bool _directAsked;

    public Option<string[]> Path { get; } = new("--path")
    {
        Description = "A directory holding file domains (repeat or comma-separate; default $SANPOOL_PATH).",
        HelpName = "DIR",
        AllowMultipleArgumentsPerToken = false,
    };

    public Option<string[]> Device { get; } = new("--device")
    {
        Description = "The devices of block domains; nothing else is scanned (repeat or comma-separate; default $SANPOOL_DEVICES).",
        HelpName = "DEV",
    };

    public Option<int> HostId { get; } = new("--host-id")
    {
        Description = "This host's id in the domain's lockspace, 1-2000 (default $SANPOOL_HOST_ID or 1).",
        DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("SANPOOL_HOST_ID"), out var id) ? id : 1,
    };

    public Option<bool> NoWait { get; } = new("--no-wait")
    {
        Description = "Fail at once if another command on this host is writing the domain, instead of waiting for it.",
    };

    public Option<bool> Json { get; } = new("--json") { Description = "Print JSON instead of one UUID per line." };

    public void AddTo(Command command, bool writer = true)
    {
        command.Options.Add(Path);
        command.Options.Add(Device);
        if (writer)
        {
            command.Options.Add(HostId);
            command.Options.Add(NoWait);
        }

        command.Options.Add(Json);
    }

    /// <summary>
    /// Where a structural verb on <paramref name="domain"/> goes (<see cref="AgentOptions.RouteAsync"/>): an agent, or the
    /// storage (null). With --agent, --path, --device, --host-id and --no-wait are refused; --host-id and --no-wait imply --direct.
    /// </summary>
    public Task<AgentRoute?> RouteAsync(ParseResult p, AgentOptions agent, Guid domain, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(agent);
        _directAsked = p.GetValue(agent.Direct);
        return agent.RouteAsync(p, domain, [Path, Device, HostId, NoWait], [HostId, NoWait], ct);
    }

    /// <summary>The domains the command line points at; block volumes reach qemu-img through the FUSE data path.</summary>
    public DomainLocator Locator(ParseResult p) => new(
        List(p.GetValue(Path), "SANPOOL_PATH").Select(System.IO.Path.GetFullPath).ToList(),
        List(p.GetValue(Device), "SANPOOL_DEVICES"))
    {
        Files = new FuseDeviceFiles(),
    };

    public WriterOptions Writer(ParseResult p)
    {
        int id = p.GetValue(HostId);
        if (id is < 1 or > 2000)
        {
            throw new UsageException($"host id {id}: must be 1-2000");
        }

        return new WriterOptions { HostId = id, LockWait = p.GetValue(NoWait) ? TimeSpan.Zero : new WriterOptions().LockWait };
    }

    public static Task<IDomainManifest> OpenAsync(DomainLocator locator, Guid domain, CancellationToken ct) =>
        locator.OpenAsync(domain, new QemuImg(), WriterOptions.DefaultRunDirectory, ct);

    /// <summary>Opens the domain and becomes its writer (recovering what an earlier writer left).</summary>
    public async Task<DomainWriter> OpenWriterAsync(ParseResult p, IDomainManifest store, ILogger logger, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(store);
        var options = Writer(p);
        var info = store.Info;

        // The slow part of a one-shot command, told before it starts: a host id is held only after
        // 2 x io_timeout without a rival (LeaseTimeouts), 20 s at the default io_timeout 10. Told
        // when asked for (--direct) or when it is long enough to wonder about; a short one stays
        // quiet, so a failure is still one line on stderr.
        bool tell = _directAsked || info.IoTimeout >= TellJoinFrom || Environment.GetEnvironmentVariable("SANPOOL_VERBOSE") is { Length: > 0 };
        if (tell)
        {
            await Console.Error.WriteLineAsync(
                $"sanpool: joining the lockspace of domain {info.Uuid} as host id {options.HostId} (io_timeout {info.IoTimeout} s: " +
                $"about {2 * info.IoTimeout} s; an agent of this host serving the domain's pool would spare this)");
        }

        var joining = System.Diagnostics.Stopwatch.StartNew();
        var writer = await DomainWriter.OpenAsync(store, new QemuImg(), options, logger, ct);
        if (tell)
        {
            await Console.Error.WriteLineAsync($"sanpool: joined the lockspace and took the domain's SDM lease in {joining.Elapsed.TotalSeconds:0.0} s");
        }

        foreach (var line in writer.Recovered.Select(r => r.ToString()))
        {
            await Console.Error.WriteLineAsync($"sanpool: domain {store.Info.Uuid}: recovered interrupted operation {line}");
        }

        return writer;
    }

    public static ILoggerFactory Logs() => LoggerFactory.Create(b => b
        .AddSimpleConsole(o => o.SingleLine = true)
        .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)
        .SetMinimumLevel(Environment.GetEnvironmentVariable("SANPOOL_VERBOSE") is { Length: > 0 } ? LogLevel.Debug : LogLevel.Warning));

    public static Guid Uuid(string? text, string what) =>
        text is not null && Guid.TryParseExact(text, "D", out var g) ? g
        : throw new UsageException($"{what} '{text}' is not a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)");

    private static List<string> List(string[]? given, string variable)
    {
        var items = given is { Length: > 0 } ? given : [Environment.GetEnvironmentVariable(variable) ?? ""];
        return [.. items.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))];
    }
}
