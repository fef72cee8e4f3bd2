using System.Collections.Concurrent;
using Sanpool.Api;
using Sanpool.Api.Client;
using Sanpool.Api.DataPath;
using Sanpool.Api.Host;
using Sanpool.Api.Pools;
using Sanpool.Api.Spm;
using Sanpool.Api.Tasks;
using Sanpool.Api.Vms;
using Sanpool.Core;
using Sanpool.Engine.Hosts;

namespace Sanpool.Engine.Tests.Hosts;

/// <summary>
/// Agents in the test's memory, by address: each answers status from its <see cref="FakeAgent"/>,
/// and pool.info, domain.info and domain.volumes from the pool they share. An address with no
/// agent, or one marked <see cref="FakeAgent.Down"/>, is AGENT_UNREACHABLE, as a dead socket is.
/// </summary>
internal sealed class FakeAgents : IAgentCaller
{
    private readonly ConcurrentDictionary<string, FakeAgent> _agents = new(StringComparer.Ordinal);

    public FakeAgents(FakePool pool) => Pool = pool;

    public FakePool Pool { get; }

    /// <summary>Every call made, as "address verb".</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public FakeAgent Add(int hostId, string? address = null, string? spm = "Free")
    {
        var agent = new FakeAgent(address ?? $"/run/fake/host{hostId}.sock", hostId, $"host{hostId}") { Spm = spm };
        _agents[agent.Address] = agent;
        return agent;
    }

    public Task<TReply> CallAsync<TRequest, TReply>(AgentLink link, AgentVerb<TRequest, TReply> verb, TRequest request, TimeSpan timeout, CancellationToken cancellationToken)
        where TRequest : notnull
    {
        Calls.Enqueue($"{link.Address} {verb.Name}");
        if (!_agents.TryGetValue(link.Address, out var agent) || agent.Down)
        {
            throw new SanpoolException(AgentErrors.Unreachable, $"no agent listens at {link.Address}", isTransient: true);
        }

        object reply = request switch
        {
            StatusRequest => agent.Status(Pool),
            PoolInfoRequest => Pool.Info(),
            DomainInfoRequest d => Pool.DomainInfo(d.Domain),
            DomainVolumesRequest d => Pool.Volumes(d.Domain),
            SpmStatusRequest => agent.SpmReply(Pool),
            SpmStartRequest start => agent.Start(Pool, start),
            SpmStopRequest => agent.Stop(Pool),
            TaskListRequest => agent.Tasks,
            TaskClearRequest clear => agent.Clear(clear.Task),
            ImagePrepareRequest r => agent.Prepare(r),
            ImageTeardownRequest r => new ImageTeardownReply(agent.Prepared.Remove(r.Image)),
            VmStartRequest r => agent.StartVm(r),
            VmListRequest => agent.VmList(),
            VmStatusRequest r => agent.VmOf(r.Name),
            VmStopRequest r => agent.StopVm(r.Name),
            _ => throw new NotSupportedException(verb.Name),
        };
        return Task.FromResult((TReply)reply);
    }
}

/// <summary>One fake host: what its status says.</summary>
internal sealed class FakeAgent(string address, int hostId, string name)
{
    public string Address { get; } = address;

    public int HostId { get; } = hostId;

    public string Name { get; } = name;

    public bool Down { get; set; }

    public bool Connected { get; set; } = true;

    /// <summary>SPM, Contend or Free.</summary>
    public string? Spm { get; set; }

    /// <summary>Whether it says the engine decides its SPM (<c>"election": false</c>).</summary>
    public bool Managed { get; set; } = true;

    /// <summary>Tasks task.list shows.</summary>
    public List<TaskInfo> Tasks { get; } = [];

    /// <summary>task.clear: the task forgotten.</summary>
    public TaskClearReply Clear(Guid task)
    {
        return Tasks.RemoveAll(t => t.Id == task) > 0
            ? new TaskClearReply(task)
            : throw new SanpoolException(new ErrorCode(-706, "TASK_NOT_FOUND"), $"no task {task}");
    }

    /// <summary>What spm.start throws instead of starting, if set.</summary>
    public SanpoolException? StartError { get; set; }

    /// <summary>The spm.start requests this host got.</summary>
    public List<SpmStartRequest> Starts { get; } = [];

    /// <summary>The images this host serves (image.prepare, until image.teardown or vm.stop).</summary>
    public HashSet<Guid> Prepared { get; } = [];

    /// <summary>The VMs this host runs, by the agent's name; a test sets their state (running, paused, io-error, shutdown, exited).</summary>
    public ConcurrentDictionary<string, VmStatusReply> Vms { get; } = new(StringComparer.Ordinal);

    /// <summary>What vm.start throws instead of starting, if set.</summary>
    public SanpoolException? VmStartError { get; set; }

    /// <summary>The vm.start requests this host got.</summary>
    public ConcurrentQueue<VmStartRequest> VmStarts { get; } = new();

    public PreparedImageInfo Prepare(ImagePrepareRequest r)
    {
        Prepared.Add(r.Image);
        return new PreparedImageInfo { Domain = r.Domain, Image = r.Image, Drive = "{}" };
    }

    public VmStatusReply StartVm(VmStartRequest r)
    {
        VmStarts.Enqueue(r);
        if (VmStartError is { } error)
        {
            throw error;
        }

        var vm = new VmStatusReply { Name = r.Name, HostId = HostId, Pid = 4242, State = "running", Domain = r.Domain, Image = r.Image };
        return Vms.TryAdd(r.Name, vm) ? vm : throw CommonErrors.Invalid($"a VM named {r.Name} already runs");
    }

    public IReadOnlyList<string> VmList() => [.. Vms.Keys.Order(StringComparer.Ordinal)];

    public VmStatusReply VmOf(string name) =>
        Vms.TryGetValue(name, out var vm) ? vm : throw new SanpoolException(CommonErrors.NotFound, $"no VM {name} runs on host {HostId}");

    public VmStopReply StopVm(string name)
    {
        var vm = Vms.TryRemove(name, out var v) ? v : throw new SanpoolException(CommonErrors.NotFound, $"no VM {name} runs on host {HostId}");
        return new VmStopReply(name, true, Prepared.Remove(vm.Image));
    }

    public SpmStatusReply SpmReply(FakePool pool) => new(Spm ?? "Free", pool.SpmId, pool.Lver);

    public SpmStatusReply Start(FakePool pool, SpmStartRequest request)
    {
        Starts.Add(request);
        if (StartError is { } error)
        {
            throw error;
        }

        pool.SpmId = HostId;
        pool.Lver++;
        Spm = "SPM";
        return SpmReply(pool);
    }

    public SpmStatusReply Stop(FakePool pool)
    {
        if (Tasks.Any(t => t.State == TaskState.Running))
        {
            throw new SanpoolException(new ErrorCode(-710, "TASK_RUNNING"), "a task runs", true);
        }

        if (Spm == "SPM")
        {
            pool.SpmId = -1;
            Spm = "Free";
        }

        return SpmReply(pool);
    }

    /// <summary>Domains this host cannot read.</summary>
    public HashSet<Guid> Blind { get; } = [];

    public StatusReply Status(FakePool pool) => new()
    {
        HostId = HostId,
        HostName = Name,
        Pool = pool.Id,
        Master = pool.Domains[0],
        Connected = Connected,
        Managed = Managed,
        Spm = Spm is null ? null : new SpmStatusReply(Spm, pool.SpmId, pool.Lver),
        SeesAll = Blind.Count == 0,
        Domains = [.. pool.Domains.Select(d => new DomainSeen
        {
            Domain = d,
            Readable = !Blind.Contains(d),
            FreeBytes = Blind.Contains(d) ? null : 3L << 30,
            TotalBytes = Blind.Contains(d) ? null : 8L << 30,
            Error = Blind.Contains(d) ? "read timed out" : null,
        })],
    };
}

/// <summary>A pool of two block domains; the second holds one disk with a base and a snapshot, unless told otherwise.</summary>
internal sealed class FakePool
{
    public Guid Id { get; } = Guid.NewGuid();

    public List<Guid> Domains { get; } = [Guid.NewGuid(), Guid.NewGuid()];

    public int SpmId { get; set; } = 1;

    public long Lver { get; set; } = 1;

    public Guid Disk { get; } = Guid.NewGuid();

    public Guid BaseVolume { get; } = Guid.NewGuid();

    public Guid Leaf { get; } = Guid.NewGuid();

    public string DiskDescription { get; set; } = "{\"DiskAlias\":\"data01\",\"DiskDescription\":\"the data disk\"}";

    public PoolInfoReply Info() => new()
    {
        Pool = Id,
        Description = "fake pool",
        MasterVersion = 1,
        Domains = Domains.ToDictionary(d => d, _ => "Active"),
        SpmId = SpmId,
        SpmLver = Lver,
    };

    public DomainInfoReply DomainInfo(Guid domain) => new()
    {
        Uuid = domain,
        Type = "ISCSI",
        Role = domain == Domains[0] ? "Master" : "Regular",
        Version = 5,
        BlockSize = 512,
        IoTimeout = 1,
        Pool = Id.ToString(),
    };

    public DomainVolumesReply Volumes(Guid domain)
    {
        if (domain != Domains[1])
        {
            return new DomainVolumesReply { Domain = domain, Volumes = [], Chains = [] };
        }

        return new DomainVolumesReply
        {
            Domain = domain,
            Volumes =
            [
                Volume(BaseVolume, Guid.Empty, "INTERNAL", DiskDescription, 200L << 20),
                Volume(Leaf, BaseVolume, "LEAF", "", 3L << 20),
            ],
            Chains = [new ChainView { Image = Disk, Volumes = [BaseVolume, Leaf] }],
        };
    }

    private VolumeView Volume(Guid id, Guid parent, string voltype, string description, long truesize) => new()
    {
        Id = id,
        Image = Disk,
        Metadata = new VolumeMetadataView
        {
            Image = Disk,
            Parent = parent,
            Voltype = voltype,
            Format = "COW",
            Type = "SPARSE",
            Legality = "LEGAL",
            Capacity = 1L << 30,
            Ctime = 1_780_000_000,
            Description = description,
        },
        Storage = new VolumeStorageView { Size = 1L << 30, Truesize = truesize },
    };
}
