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

    /// <summary>With --agent the storage is the agent's business: refuses --path, --device, --host-id and --no-wait given on the command line.</summary>
    public void RefuseWithAgent(ParseResult p) => AgentOptions.RefuseWithAgent(p, Path, Device, HostId, NoWait);

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
        var writer = await DomainWriter.OpenAsync(store, new QemuImg(), Writer(p), logger, ct);
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
