using System.Collections.Frozen;
using Sanpool.Api.DataPath;
using Sanpool.Api.Events;
using Sanpool.Api.Host;
using Sanpool.Api.Images;
using Sanpool.Api.Pools;
using Sanpool.Api.Spm;
using Sanpool.Api.Tasks;
using Sanpool.Api.Vms;

namespace Sanpool.Api;

/// <summary>
/// Every verb of the agent's API, by group. <c>POST /v1/{name}</c> with the request as a JSON
/// object runs one; the read-only ones answer GET with the arguments in the query too.
/// <code>
/// host        status
/// pool        pool.info  domain.info  domain.volumes  domain.check  pool.attach  pool.detach  pool.move-master
/// spm         spm.status  spm.start  spm.stop
/// tasks       task.status  task.list  task.clear
/// structural  image.create  snapshot.create  image.merge  image.copy  volume.delete  template.create
///             (SPM only; each answers at once with its task)
/// data path   image.prepare  image.teardown  image.prepared  thin.status  domain.extend  mailbox.wake
/// vms         vm.start  vm.status  vm.list  vm.stop
/// events      events
/// </code>
/// </summary>
public static class AgentVerbs
{
    public const string HostGroup = "host";
    public const string PoolGroup = "pool";
    public const string SpmGroup = "spm";
    public const string TaskGroup = "tasks";
    public const string StructuralGroup = "structural";
    public const string DataPathGroup = "data path";
    public const string VmGroup = "vms";
    public const string EventGroup = "events";

    public static readonly AgentVerb<StatusRequest, StatusReply> Status = new("status", HostGroup, true, "The host, its SPM role, and how it sees the pool's domains and hosts");

    public static readonly AgentVerb<PoolInfoRequest, PoolInfoReply> PoolInfo = new("pool.info", PoolGroup, true, "The pool keys of the master domain");
    public static readonly AgentVerb<DomainInfoRequest, DomainInfoReply> DomainInfo = new("domain.info", PoolGroup, true, "One domain's metadata, read now");
    public static readonly AgentVerb<DomainVolumesRequest, DomainVolumesReply> DomainVolumes = new("domain.volumes", PoolGroup, true, "Every volume of a domain: metadata, LV tags and qcow2 header, and every chain");
    public static readonly AgentVerb<DomainCheckRequest, DomainCheckReply> DomainCheck = new("domain.check", PoolGroup, true, "Cross-check a domain's journal, metadata, LV tags and qcow2 headers");
    public static readonly AgentVerb<PoolAttachRequest, PoolInfoReply> PoolAttach = new("pool.attach", PoolGroup, false, "Attach a domain to the pool (SPM)");
    public static readonly AgentVerb<PoolDetachRequest, PoolInfoReply> PoolDetach = new("pool.detach", PoolGroup, false, "Detach a domain from the pool (SPM)");
    public static readonly AgentVerb<MoveMasterRequest, PoolInfoReply> MoveMaster = new("pool.move-master", PoolGroup, false, "Make another domain the master (SPM)");

    public static readonly AgentVerb<SpmStatusRequest, SpmStatusReply> SpmStatus = new("spm.status", SpmGroup, true, "This host's SPM role and the pool's SPM");
    public static readonly AgentVerb<SpmStartRequest, SpmStatusReply> SpmStart = new("spm.start", SpmGroup, false, "Take the SPM role");
    public static readonly AgentVerb<SpmStopRequest, SpmStatusReply> SpmStop = new("spm.stop", SpmGroup, false, "Give the SPM role up");

    public static readonly AgentVerb<TaskStatusRequest, TaskInfo> TaskStatus = new("task.status", TaskGroup, true, "One task of the pool");
    public static readonly AgentVerb<TaskListRequest, IReadOnlyList<TaskInfo>> TaskList = new("task.list", TaskGroup, true, "Every task of the pool");
    public static readonly AgentVerb<TaskClearRequest, TaskClearReply> TaskClear = new("task.clear", TaskGroup, false, "Forget a task that is done (SPM)");

    public static readonly AgentVerb<ImageCreateRequest, TaskSubmitted> ImageCreate = new("image.create", StructuralGroup, false, "Create an image of one volume (SPM task)");
    public static readonly AgentVerb<SnapshotCreateRequest, TaskSubmitted> SnapshotCreate = new("snapshot.create", StructuralGroup, false, "Put a new leaf on an image (SPM task)");
    public static readonly AgentVerb<ImageMergeRequest, TaskSubmitted> ImageMerge = new("image.merge", StructuralGroup, false, "Merge a volume into its parent (SPM task)");
    public static readonly AgentVerb<ImageCopyRequest, TaskSubmitted> ImageCopy = new("image.copy", StructuralGroup, false, "Copy an image to a domain (SPM task)");
    public static readonly AgentVerb<VolumeDeleteRequest, TaskSubmitted> VolumeDelete = new("volume.delete", StructuralGroup, false, "Delete a leaf volume (SPM task)");
    public static readonly AgentVerb<TemplateCreateRequest, TaskSubmitted> TemplateCreate = new("template.create", StructuralGroup, false, "Make a template image from an image (SPM task)");

    public static readonly AgentVerb<ImagePrepareRequest, PreparedImageInfo> ImagePrepare = new("image.prepare", DataPathGroup, false, "Serve an image's chain on this host");
    public static readonly AgentVerb<ImageTeardownRequest, ImageTeardownReply> ImageTeardown = new("image.teardown", DataPathGroup, false, "Stop serving an image on this host");
    public static readonly AgentVerb<ImagePreparedRequest, IReadOnlyList<PreparedImageInfo>> ImagePrepared = new("image.prepared", DataPathGroup, false, "The images this host serves");
    public static readonly AgentVerb<ThinStatusRequest, IReadOnlyList<ThinVolumeInfo>> ThinStatus = new("thin.status", DataPathGroup, false, "The thin volumes this host watches");
    public static readonly AgentVerb<DomainExtendRequest, DomainExtendReply> DomainExtend = new("domain.extend", DataPathGroup, false, "Add a LUN to a block domain (SPM)");
    public static readonly AgentVerb<MailboxWakeRequest, MailboxWakeReply> MailboxWake = new("mailbox.wake", DataPathGroup, false, "Read the storage mailbox now");

    public static readonly AgentVerb<VmStartRequest, VmStatusReply> VmStart = new("vm.start", VmGroup, false, "Start a VM on a prepared image");
    public static readonly AgentVerb<VmStatusRequest, VmStatusReply> VmStatus = new("vm.status", VmGroup, false, "One VM of this host");
    public static readonly AgentVerb<VmListRequest, IReadOnlyList<string>> VmList = new("vm.list", VmGroup, false, "The VMs of this host");
    public static readonly AgentVerb<VmStopRequest, VmStopReply> VmStop = new("vm.stop", VmGroup, false, "Stop a VM");

    public static readonly AgentVerb<EventsRequest, EventsReply> Events = new("events", EventGroup, false, "What this agent tells the manager, since a number");

    /// <summary>All of them, by name.</summary>
    public static FrozenDictionary<string, AgentVerb> All { get; } = new AgentVerb[]
    {
        Status, PoolInfo, DomainInfo, DomainVolumes, DomainCheck, PoolAttach, PoolDetach, MoveMaster, SpmStatus, SpmStart, SpmStop,
        TaskStatus, TaskList, TaskClear, ImageCreate, SnapshotCreate, ImageMerge, ImageCopy, VolumeDelete, TemplateCreate,
        ImagePrepare, ImageTeardown, ImagePrepared, ThinStatus, DomainExtend, MailboxWake, VmStart, VmStatus, VmList, VmStop, Events,
    }.ToFrozenDictionary(v => v.Name, StringComparer.Ordinal);
}
