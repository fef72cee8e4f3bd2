using System.Collections.Frozen;
using System.Text.Json.Nodes;
using Sanpool.Agent.Events;
using Sanpool.Agent.Vm;
using Sanpool.Core;
using Sanpool.Pool;
using Sanpool.Pool.Serving;
using Sanpool.Pool.Spm;

namespace Sanpool.Agent.DataPath;

/// <summary>
/// The agent's verbs for the data path and thin provisioning:
/// <list type="bullet">
/// <item><c>image.prepare</c> / <c>image.teardown</c> / <c>image.prepared</c>: serve an image's chain on this host;</item>
/// <item><c>thin.status</c>: the thin volumes this host watches (sizes, watermark, rate, latency);</item>
/// <item><c>domain.extend</c> (SPM): add a LUN, then extend every volume that waited for space;</item>
/// <item><c>vm.start</c> / <c>vm.status</c> / <c>vm.list</c> / <c>vm.stop</c>: VMs on prepared images;</item>
/// <item><c>events</c>: what the manager is told (<see cref="AgentEvents"/>), since a number;</item>
/// <item><c>mailbox.wake</c>: another agent's hint that mail waits (no data travels with it).</item>
/// </list>
/// </summary>
internal sealed class DataPathVerbs(AgentConfig config, HostDataPath dataPath, VmManager vms, AgentEvents events)
{
    public static readonly FrozenSet<string> Names = new[]
    {
        "image.prepare", "image.teardown", "image.prepared", "thin.status", "domain.extend",
        "vm.start", "vm.status", "vm.list", "vm.stop", "events", "mailbox.wake",
    }.ToFrozenSet(StringComparer.Ordinal);

    public async Task<JsonNode> InvokeAsync(string verb, IReadOnlyDictionary<string, string> args, SpmRole? role, CancellationToken cancellationToken)
    {
        var a = new VerbArgs(verb, args, verb switch
        {
            "image.prepare" or "image.teardown" => ["domain", "image"],
            "domain.extend" => ["domain", "device"],
            "vm.start" => ["name", "domain", "image", "kernel", "initrd", "append", "source", "memory_mib"],
            "vm.status" => ["name"],
            "vm.stop" => ["name", "teardown"],
            "events" => ["since"],
            _ => [],
        });
        return verb switch
        {
            "image.prepare" => Json(await dataPath.Volumes.PrepareAsync(a.Uuid("domain"), a.Uuid("image"), cancellationToken).ConfigureAwait(false)),
            "image.teardown" => new JsonObject { ["torn_down"] = await dataPath.Volumes.TeardownAsync(a.Uuid("domain"), a.Uuid("image"), cancellationToken).ConfigureAwait(false) },
            "image.prepared" => new JsonArray([.. dataPath.Volumes.Prepared.Select(Json)]),
            "thin.status" => ThinStatus(),
            "domain.extend" => await ExtendDomainAsync(role, a.Uuid("domain"), a.Required("device"), cancellationToken).ConfigureAwait(false),
            "vm.start" => await vms.StartAsync(VmStartRequest.From(a), cancellationToken).ConfigureAwait(false),
            "vm.status" => await vms.StatusAsync(a.Required("name"), cancellationToken).ConfigureAwait(false),
            "vm.list" => vms.List(),
            "vm.stop" => await vms.StopAsync(a.Required("name"), !args.ContainsKey("teardown") || a.Flag("teardown"), cancellationToken).ConfigureAwait(false),
            "events" => new JsonObject { ["last"] = events.Last, ["events"] = events.Since(a.Int("since", 0, int.MaxValue, 0)) },
            "mailbox.wake" => Wake(),
            _ => throw CommonErrors.Invalid($"unknown verb '{VerbArgs.Printable(verb)}'"),
        };
    }

    private JsonNode Wake()
    {
        dataPath.Wake();
        return new JsonObject { ["woken"] = true };
    }

    /// <summary>On the SPM: the LUN is added, then every request that failed for space is handled again, and this host's own paused VMs ask at once.</summary>
    private async Task<JsonNode> ExtendDomainAsync(SpmRole? role, Guid domain, string device, CancellationToken cancellationToken)
    {
        var spm = role ?? throw new SanpoolException(PoolErrors.PoolNotFound, $"host {config.HostId} is not connected to pool {config.Pool} yet", true);
        var info = await DomainGrowth.ExtendAsync(spm, domain, device, cancellationToken).ConfigureAwait(false);
        var waiting = dataPath.SpmMail?.Extender.Waiting.Count ?? 0;
        events.Publish("domain.extended", new Dictionary<string, JsonNode?>
        {
            ["domain"] = domain.ToString(),
            ["device"] = device,
            ["waiting_volumes"] = waiting,
        });
        if (dataPath.SpmMail is { } mail)
        {
            await mail.RetryFailedAsync(cancellationToken).ConfigureAwait(false);
        }

        vms.RetryAll();
        return new JsonObject
        {
            ["uuid"] = info.Uuid.ToString(),
            ["device"] = device,
            ["waiting_volumes"] = waiting,
        };
    }

    private JsonArray ThinStatus() => new([.. dataPath.Thin.Status().Select(s => (JsonNode)new JsonObject
    {
        ["domain"] = s.Volume.Domain.ToString(),
        ["image"] = s.Volume.Image.ToString(),
        ["volume"] = s.Volume.Volume.ToString(),
        ["lv_size"] = s.CurrentSize,
        ["max_size"] = s.MaximumSize,
        ["highest_write"] = s.HighestWrite,
        ["threshold"] = s.ArmedThreshold,
        ["rate_mib_s"] = Math.Round(s.RateBytesPerSecond / (1024 * 1024), 1),
        ["latency_ms"] = Math.Round(s.LatencyEstimate.TotalMilliseconds, 1),
        ["extending"] = s.Extending,
        ["requested_size"] = s.RequestedSize,
        ["failures"] = s.Failures,
        ["requests"] = s.Requests,
    })]);

    private static JsonNode Json(PreparedImage p) => new JsonObject
    {
        ["domain"] = p.Domain.ToString(),
        ["image"] = p.Image.ToString(),
        ["drive"] = p.DriveSpec,
        ["blockdevs"] = new JsonArray([.. p.Blockdevs]),
        ["nbd_socket"] = p.NbdSocket,
        ["volumes"] = new JsonArray([.. p.Chain.Select(v => (JsonNode)new JsonObject
        {
            ["volume"] = v.Volume.ToString(),
            ["format"] = v.Format.ToString(),
            ["writable"] = v.Writable,
            ["thin"] = v.Thin,
            ["export"] = v.Export?.Name,
            ["file"] = v.FilePath,
            ["lv_size"] = v.Export?.CurrentSize,
            ["export_size"] = v.Export?.Size,
        })]),
    };
}
