using Sanpool.Api.Binding;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Sanpool.Agent.Api;
using Sanpool.Core;
using Sanpool.Pool;
using Sanpool.Storage;

namespace Sanpool.Agent.Tests.Api;

/// <summary>
/// An in-memory agent for the transport's tests: the verbs of <see cref="IAgentVerbs"/> with
/// the real agent's argument strictness (<see cref="VerbArgs"/>: unknown names, non-UUIDs and
/// bad sizes are INVALID_ARGUMENT), an SPM flag, and tasks in a dictionary. With test verbs it
/// also echoes its arguments, throws any code, crashes, and hangs.
/// </summary>
internal sealed class FakeAgentVerbs
{
    public const int HostId = 1;
    public const int SpmHostId = 2;
    public static readonly Guid Pool = Guid.Parse("6b0e0c77-6b0a-4d5c-9c3e-2f0c1b7e9a11");
    public static readonly Guid Domain = Guid.Parse("5e1b0a3c-95a4-4b37-8c3f-0d9f6f1a2b44");

    private static readonly Dictionary<string, string[]> Structural = new(StringComparer.Ordinal)
    {
        ["image.create"] = ["domain", "image", "volume", "size", "format", "allocation", "description", "template"],
        ["snapshot.create"] = ["domain", "image", "volume"],
        ["image.merge"] = ["domain", "image", "base", "top"],
        ["image.copy"] = ["domain", "image", "target_domain", "new_image", "collapse"],
        ["volume.delete"] = ["domain", "image", "volume"],
        ["template.create"] = ["domain", "image", "template", "volume"],
    };

    private static readonly string[] TestVerbs = ["test.echo", "test.throw", "test.crash", "test.hang", "test.stubborn"];

    private readonly ConcurrentDictionary<Guid, JsonObject> _tasks = new();
    private volatile bool _spm;

    public FakeAgentVerbs(bool withTestVerbs = true) =>
        Verbs = [.. new[] { "status", "pool.info", "domain.info", "spm.status", "spm.start", "spm.stop", "task.status", "task.list", "task.clear" }
            .Concat(Structural.Keys).Concat(withTestVerbs ? TestVerbs : [])];

    public IReadOnlyCollection<string> Verbs { get; }

    /// <summary>What the API serves: every verb of <see cref="Verbs"/>, answered by <see cref="InvokeAsync"/>.</summary>
    public VerbTable Table => RawVerbs.Table(Verbs, InvokeAsync);

    /// <summary>Every call that reached the fake, in order.</summary>
    public ConcurrentQueue<(string Verb, IReadOnlyDictionary<string, string> Args)> Calls { get; } = new();

    public async Task<JsonNode> InvokeAsync(string verb, IReadOnlyDictionary<string, string> args, CancellationToken cancellationToken)
    {
        Calls.Enqueue((verb, new Dictionary<string, string>(args)));
        if (Structural.TryGetValue(verb, out var allowed))
        {
            return Submit(verb, new VerbArgs(verb, args, allowed));
        }

        return verb switch
        {
            "status" => Status(new VerbArgs(verb, args, [])),
            "pool.info" => PoolInfo(new VerbArgs(verb, args, [])),
            "domain.info" => DomainInfo(new VerbArgs(verb, args, ["domain"])),
            "spm.status" => SpmStatus(new VerbArgs(verb, args, [])),
            "spm.start" => SpmSet(new VerbArgs(verb, args, []), spm: true),
            "spm.stop" => SpmSet(new VerbArgs(verb, args, []), spm: false),
            "task.status" => FindTask(new VerbArgs(verb, args, ["task"]).Uuid("task")).DeepClone(),
            "task.list" => new JsonObject { ["tasks"] = new JsonArray([.. _tasks.Values.Select(t => t.DeepClone())]) },
            "task.clear" => Clear(new VerbArgs(verb, args, ["task"]).Uuid("task")),
            "test.echo" => new JsonObject(args.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value))),
            "test.throw" => throw Thrown(args),
            "test.crash" => throw new InvalidOperationException("secret: the fake crashed at /etc/sanpool/token"),
            "test.hang" => await Hang(cancellationToken),
            "test.stubborn" => await Stubborn(),
            _ => throw CommonErrors.Invalid($"unknown verb '{VerbArgs.Printable(verb)}'"),
        };
    }

    private static JsonObject Status(VerbArgs _) => new() { ["host_id"] = HostId, ["host_name"] = "fake", ["pool"] = Pool.ToString() };

    private static JsonObject PoolInfo(VerbArgs _) => new() { ["pool"] = Pool.ToString(), ["master_domain"] = Domain.ToString(), ["master_version"] = 1 };

    private static JsonObject DomainInfo(VerbArgs a) => a.Uuid("domain") == Domain
        ? new JsonObject { ["uuid"] = Domain.ToString(), ["class"] = "Data", ["version"] = 5 }
        : throw new SanpoolException(StorageErrors.DomainNotFound, $"domain {a.Uuid("domain")} is not in pool {Pool}");

    private JsonObject SpmStatus(VerbArgs _) => new() { ["state"] = _spm ? "SPM" : "Free", ["spm_id"] = _spm ? HostId : SpmHostId, ["lver"] = 3 };

    private JsonObject SpmSet(VerbArgs a, bool spm)
    {
        _spm = spm;
        return SpmStatus(a);
    }

    private JsonObject Submit(string verb, VerbArgs a)
    {
        var domain = a.Uuid("domain");
        if (verb != "image.create")
        {
            a.Uuid("image");
        }
        else
        {
            a.Bytes("size");
        }

        if (!_spm)
        {
            throw new SanpoolException(PoolErrors.NotSpm, $"host {HostId} is not SPM of pool {Pool}; the SPM is host {SpmHostId}", isTransient: true);
        }

        var id = Guid.NewGuid();
        _tasks[id] = new JsonObject { ["id"] = id.ToString(), ["verb"] = verb, ["domain"] = domain.ToString(), ["state"] = "finished" };
        return new JsonObject { ["task"] = id.ToString() };
    }

    private JsonObject FindTask(Guid id) => _tasks.TryGetValue(id, out var task)
        ? task
        : throw new SanpoolException(PoolErrors.TaskNotFound, $"no task {id} in pool {Pool}");

    private JsonObject Clear(Guid id)
    {
        FindTask(id);
        _tasks.TryRemove(id, out _);
        return new JsonObject { ["cleared"] = id.ToString() };
    }

    private static SanpoolException Thrown(IReadOnlyDictionary<string, string> args) => new(
        new ErrorCode(int.Parse(args["code"], CultureInfo.InvariantCulture), args["name"]),
        args.GetValueOrDefault("message", "thrown by the fake"),
        args.TryGetValue("transient", out var t) && bool.Parse(t));

    private static async Task<JsonNode> Hang(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return new JsonObject();
    }

    /// <summary>Ignores its cancellation token, as a verb stuck in a system call would.</summary>
    private static async Task<JsonNode> Stubborn()
    {
        await Task.Delay(TimeSpan.FromSeconds(3), CancellationToken.None);
        return new JsonObject();
    }
}
