using Sanpool.Api.Binding;
using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Sanpool.Agent.Api;
using Sanpool.Agent.Tests.Api;
using Sanpool.Core;
using Sanpool.Pool;

namespace Sanpool.Agent.Tests.Cli;

/// <summary>
/// An in-memory agent that answers as <see cref="HostAgent"/> does, for the CLI's tests: a
/// structural verb returns <c>{"task": record}</c> (snake_case, as <c>TaskRecord</c> writes it),
/// <c>task.list</c> is an array, <c>spm.status</c> is <c>{state, spm_id, lver}</c>. Each
/// <c>task.status</c> moves a task one step on (queued, 30 %, 60 %, 90 %, then finished or
/// failed), so a client following it sees progress. Arguments are read as strictly as the
/// real agent reads them (<see cref="VerbArgs"/>); <c>forward</c> is taken off first, as the
/// agent's forwarding will.
/// </summary>
internal sealed class TaskAgent
{
    public const int ThisHost = 1;
    public static readonly Guid Pool = Guid.Parse("0b7e1c52-3d0a-4f6e-8a21-5c9d0e3f4a10");

    private static readonly Dictionary<string, string[]> Structural = new(StringComparer.Ordinal)
    {
        ["image.create"] = ["domain", "image", "volume", "size", "format", "allocation", "description", "template"],
        ["snapshot.create"] = ["domain", "image", "volume"],
        ["image.merge"] = ["domain", "image", "base", "top"],
        ["image.copy"] = ["domain", "image", "target_domain", "new_image", "collapse"],
        ["volume.delete"] = ["domain", "image", "volume"],
        ["template.create"] = ["domain", "image", "template", "volume"],
    };

    private static readonly double[] Steps = [0, 30, 60, 90];

    private readonly ConcurrentDictionary<Guid, (JsonObject Record, int Step)> _tasks = new();
    private long _clock = 1_760_000_000;

    public IReadOnlyCollection<string> Verbs { get; } =
        [.. new[] { "status", "pool.info", "domain.info", "spm.status", "spm.start", "spm.stop", "task.status", "task.list", "task.clear", "image.prepare", "image.teardown", "domain.extend" }.Concat(Structural.Keys)];

    /// <summary>What the API serves: every verb of <see cref="Verbs"/>, answered by <see cref="InvokeAsync"/>.</summary>
    public VerbTable Table => RawVerbs.Table(Verbs, InvokeAsync);

    /// <summary>Every call that reached the agent, in order, arguments as sent.</summary>
    public ConcurrentQueue<(string Verb, Dictionary<string, string> Args)> Calls { get; } = new();

    /// <summary>The SPM's host id: this host (1) by default; another makes structural verbs NOT_SPM naming it; -1 for none.</summary>
    public int SpmId { get; set; } = ThisHost;

    /// <summary>If set, tasks stay Running at 30 % for good.</summary>
    public bool Stall { get; set; }

    /// <summary>If set, tasks end Failed with this error instead of Finished.</summary>
    public string? FailWith { get; set; }

    public Task<JsonNode> InvokeAsync(string verb, IReadOnlyDictionary<string, string> args, CancellationToken cancellationToken)
    {
        var sent = new Dictionary<string, string>(args);
        Calls.Enqueue((verb, sent));
        var rest = new Dictionary<string, string>(sent);
        rest.Remove("forward");
        if (Structural.TryGetValue(verb, out var allowed))
        {
            return Task.FromResult<JsonNode>(Submit(verb, rest, new VerbArgs(verb, rest, allowed)));
        }

        JsonNode answer = verb switch
        {
            "status" => new JsonObject
            {
                ["host_id"] = ThisHost,
                ["host_name"] = "fakehost",
                ["pool"] = Pool.ToString(),
                ["master"] = Guid.Empty.ToString(),
                ["connected"] = true,
                ["spm"] = Spm(),
                ["lease_valid"] = true,
                ["sees_all"] = false,
                ["domains"] = new JsonArray(
                    new JsonObject { ["domain"] = Pool.ToString(), ["readable"] = true, ["latency_ms"] = 1.5, ["free_bytes"] = 3L << 30, ["total_bytes"] = 8L << 30, ["checked"] = Checked },
                    new JsonObject { ["domain"] = Guid.Empty.ToString(), ["readable"] = false, ["error"] = "EIO + read timeout", ["checked"] = Checked }),
                ["hosts"] = new JsonArray(new JsonObject { ["host_id"] = 2, ["host_name"] = "host2", ["spm"] = "SPM", ["sees_all"] = true, ["socket"] = "/run/sanpool/host2/agent.sock" }),
            },
            "spm.status" => Spm(),
            "task.list" => new JsonArray([.. _tasks.Values.OrderBy(t => (long)t.Record["created"]!).Select(t => t.Record.DeepClone())]), // oldest first, as the SPM lists them
            "task.status" => Advance(new VerbArgs(verb, args, ["task"]).Uuid("task")),
            "task.clear" => Clear(new VerbArgs(verb, args, ["task"]).Uuid("task")),
            "image.prepare" => new JsonObject
            {
                ["domain"] = new VerbArgs(verb, args, ["domain", "image"]).Uuid("domain").ToString(),
                ["image"] = args["image"],
                ["drive"] = $"json:{{\"driver\":\"qcow2\",\"export\":\"{args["image"]}\"}}",
            },
            "image.teardown" => new JsonObject { ["torn_down"] = args["image"] != Guid.Empty.ToString() },
            "domain.extend" => new JsonObject { ["uuid"] = new VerbArgs(verb, rest, ["domain", "device"]).Uuid("domain").ToString(), ["device"] = rest["device"], ["waiting_volumes"] = 2 },
            _ => throw CommonErrors.Invalid($"the fake does not answer {verb}"),
        };
        return Task.FromResult(answer);
    }

    /// <summary>When the fake's status says its domains were checked: unix seconds.</summary>
    public const long Checked = 1_796_489_527;

    private JsonObject Spm() => new() { ["state"] = SpmId == ThisHost ? "SPM" : "Free", ["spm_id"] = SpmId, ["lver"] = 7 };

    private JsonObject Submit(string verb, Dictionary<string, string> args, VerbArgs a)
    {
        a.Uuid("domain");
        if (verb == "image.create")
        {
            a.Bytes("size");
        }
        else
        {
            a.Uuid("image");
        }

        if (SpmId != ThisHost)
        {
            throw new SanpoolException(PoolErrors.NotSpm, SpmId > 0
                ? $"host {ThisHost} is not SPM of pool {Pool}; the SPM is host {SpmId}"
                : $"host {ThisHost} is not SPM of pool {Pool}; the pool has no SPM now", isTransient: true);
        }

        var id = Guid.NewGuid();
        var record = new JsonObject
        {
            ["id"] = id.ToString(),
            ["verb"] = verb,
            ["args"] = new JsonObject(args.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
            ["state"] = "queued",
            ["progress"] = 0,
            ["host"] = ThisHost,
            ["lver"] = 7,
            ["created"] = Interlocked.Increment(ref _clock),
            ["updated"] = _clock,
        };
        _tasks[id] = (record, 0);
        return new JsonObject { ["task"] = record.DeepClone() };
    }

    private JsonNode Advance(Guid id)
    {
        if (!_tasks.TryGetValue(id, out var task))
        {
            throw new SanpoolException(PoolErrors.TaskNotFound, $"no task {id} in pool {Pool}");
        }

        int step = Stall ? 1 : task.Step + 1;
        var record = (JsonObject)task.Record.DeepClone();
        if (step < Steps.Length)
        {
            record["state"] = "running";
            record["progress"] = Steps[step];
        }
        else if (FailWith is { } error)
        {
            record["state"] = "failed";
            record["error"] = error;
        }
        else
        {
            record["state"] = "finished";
            record["progress"] = 100;
            record["result"] = $"did {record["verb"]} as asked";
        }

        _tasks[id] = (record, step);
        return record.DeepClone();
    }

    private JsonObject Clear(Guid id)
    {
        if (!_tasks.TryRemove(id, out _))
        {
            throw new SanpoolException(PoolErrors.TaskNotFound, $"no task {id} in pool {Pool}");
        }

        return new JsonObject { ["cleared"] = id.ToString() };
    }
}
